package io.noiselens.metrics;


/**
 * The map scaling SmoothTaylor's ATV and Lim et al.'s retrieval masks share: v ← clip((v − min) / (p_q − min), 0, 1)
 * with p_q the q-quantile of the values (linear interpolation, {@link SummaryStatistics#quantile}); all 0 when the
 * quantile equals the minimum.
 */
public final class PercentileScaling {
    private PercentileScaling() {}

    /** Scales {@code v} in place. */
    public static void scale(double[] v, double q) {
        double min = Double.POSITIVE_INFINITY;
        for (double d : v) min = Math.min(min, d);
        double range = SummaryStatistics.quantile(v, q) - min;
        for (int k = 0; k < v.length; k++) v[k] = range > 0 ? Math.min(1, Math.max(0, (v[k] - min) / range)) : 0;
    }
}
