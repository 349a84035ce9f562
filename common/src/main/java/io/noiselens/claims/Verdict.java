package io.noiselens.claims;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * A comparison's outcome from its paired differences d_i (per image, oriented so that d &gt; 0 means the method is
 * better than its baseline in the metric's direction): the mean with its 95 % Student-t interval
 * d̄ ± t_{0.975, n−1} · s / √n, and a verdict against the claim's expectation — the paired t-test at 5 % — where
 * <ul>
 *   <li>{@code better}: holds when the interval lies above 0, does not hold when it lies below 0;</li>
 *   <li>{@code worse}: the mirror image (a trend the paper predicts to cost, e.g. fidelity as σ grows);</li>
 *   <li>{@code no_worse}: non-inferiority with margin δ — holds when the interval lies above −δ, does not hold when
 *   it lies below −δ;</li>
 * </ul>
 * and inconclusive otherwise, or with fewer than two differences.
 */
public record Verdict(long n, double mean, double low, double high, Outcome outcome) {
    /** What a comparison expects. */
    public enum Expected {
        BETTER, WORSE, NO_WORSE;

        public static Expected of(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A comparison's outcome. */
    public enum Outcome {
        HOLDS("holds"), DOES_NOT_HOLD("does not hold"), INCONCLUSIVE("inconclusive");

        private final String text;

        Outcome(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        /** A claim of several comparisons: does not hold if one does not, holds if all hold, else inconclusive. */
        public static Outcome all(Iterable<Outcome> outcomes) {
            boolean all = true, any = false;
            for (Outcome o : outcomes) {
                any = true;
                if (o == DOES_NOT_HOLD) return DOES_NOT_HOLD;
                all &= o == HOLDS;
            }
            return any && all ? HOLDS : INCONCLUSIVE;
        }
    }

    /** The verdict of {@code n} paired differences with mean {@code mean} and sample standard deviation {@code sd}. */
    public static Verdict of(Expected expected, double margin, long n, double mean, double sd) {
        if (n < 2 || Double.isNaN(mean) || Double.isNaN(sd)) {
            return new Verdict(n, n == 0 ? Double.NaN : mean, Double.NaN, Double.NaN, Outcome.INCONCLUSIVE);
        }
        double half = new TDistribution(n - 1).inverseCumulativeProbability(0.975) * sd / Math.sqrt(n);
        double low = mean - half, high = mean + half;
        Outcome o = switch (expected) {
            case BETTER -> low > 0 ? Outcome.HOLDS : high < 0 ? Outcome.DOES_NOT_HOLD : Outcome.INCONCLUSIVE;
            case WORSE -> high < 0 ? Outcome.HOLDS : low > 0 ? Outcome.DOES_NOT_HOLD : Outcome.INCONCLUSIVE;
            case NO_WORSE -> low > -margin ? Outcome.HOLDS : high < -margin ? Outcome.DOES_NOT_HOLD : Outcome.INCONCLUSIVE;
        };
        return new Verdict(n, mean, low, high, o);
    }
}
