package io.noiselens.metrics.meta;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

import java.util.HashMap;
import java.util.Map;

/**
 * The two-sided Wilcoxon signed-rank test as MetaQuantus calls SciPy's ({@code scipy.stats.wilcoxon(q, q̂,
 * zero_method="zsplit")}) in its normal approximation: the ranks of |d| (ties averaged, zero differences kept), W⁺ and
 * W⁻ with each zero's rank split between them, T = min(W⁺, W⁻), z = (T − n(n+1)/4) / √((n(n+1)(2n+1) − ½Σ t(t²−1))/24)
 * over the tie groups t of the ranks, p = 2·Φ(−|z|), no continuity correction. SciPy uses the exact distribution
 * for small samples without ties or zeros; the approximation is used here for every n, and said.
 */
public final class Wilcoxon {
    private Wilcoxon() {}

    /** The p-value of paired samples {@code a} and {@code b}; NaN when there are none. */
    public static double pValue(double[] a, double[] b) {
        int n = a.length;
        if (n == 0) return Double.NaN;
        double[] abs = new double[n], d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = a[i] - b[i];
            abs[i] = Math.abs(d[i]);
        }
        double[] r = new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE).rank(abs);
        double plus = 0, minus = 0;
        for (int i = 0; i < n; i++) {
            if (d[i] > 0) plus += r[i];
            else if (d[i] < 0) minus += r[i];
            else {
                plus += r[i] / 2;
                minus += r[i] / 2;
            }
        }
        Map<Double, Integer> ties = new HashMap<>();
        for (double v : r) ties.merge(v, 1, Integer::sum);
        double se = (double) n * (n + 1) * (2 * n + 1);
        for (int t : ties.values()) if (t > 1) se -= 0.5 * t * ((double) t * t - 1);
        se = Math.sqrt(se / 24);
        double z = (Math.min(plus, minus) - n * (n + 1) / 4.0) / se;
        return 2 * new NormalDistribution().cumulativeProbability(-Math.abs(z));
    }
}
