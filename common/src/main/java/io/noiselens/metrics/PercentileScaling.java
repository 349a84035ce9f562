package io.noiselens.metrics;

import java.util.Arrays;

/**
 * The map scaling SmoothTaylor's ATV and Lim et al.'s retrieval masks share: v ← clip((v − min) / (p_q − min), 0, 1)
 * with p_q the q-quantile of the values (linear interpolation, {@link SummaryStatistics#quantile}); all 0 when the
 * quantile equals the minimum.
 */
public final class PercentileScaling {
    private PercentileScaling() {}

    /** Scales {@code v} in place. */
    public static void scale(double[] v, double q) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        double min = sorted[0], range = SummaryStatistics.quantile(sorted, q) - min;
        for (int k = 0; k < v.length; k++) v[k] = range > 0 ? Math.min(1, Math.max(0, (v[k] - min) / range)) : 0;
    }
}
