package io.noiselens.attribution;

/**
 * Streaming per-element reducer over draws in float64: Welford's running mean and sum of squared deviations
 * (numerically stable VarGrad, METHODS.md §2.5), plus running min and max for the range. Memory is two to four
 * doubles per element, independent of the number of draws.
 */
public final class Moments {
    private final double[] mean;
    private final double[] m2;
    private final float[] min;
    private final float[] max;
    private long count;

    public Moments(int size, Aggregation aggregation) {
        this(size, aggregation, false);
    }

    /** {@code withVariance}: keep the per-element variance for a MEAN aggregation too (its standard error). */
    public Moments(int size, Aggregation aggregation, boolean withVariance) {
        this.mean = new double[size];
        boolean needM2 = withVariance || aggregation == Aggregation.MEAN_OF_SQUARES || aggregation == Aggregation.VARIANCE;
        this.m2 = needM2 ? new double[size] : null;
        boolean needRange = aggregation == Aggregation.RANGE;
        this.min = needRange ? new float[size] : null;
        this.max = needRange ? new float[size] : null;
        if (needRange) {
            java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
            java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        }
    }

    public void add(float[] a) {
        count++;
        double inv = 1.0 / count;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - mean[i];
            mean[i] += d * inv;
            if (m2 != null) m2[i] += d * (a[i] - mean[i]);
        }
        if (min != null) {
            for (int i = 0; i < a.length; i++) {
                min[i] = Math.min(min[i], a[i]);
                max[i] = Math.max(max[i], a[i]);
            }
        }
    }

    public long count() {
        return count;
    }

    /**
     * The relative standard error of the running mean, √(Σ_p s_p² / n) / ‖mean‖₂ with s_p² = M2_p / (n − 1)
     * ({@link SequentialStopping}); NaN before two draws or without the variance, +∞ for an all-zero mean.
     */
    public double relativeStandardError() {
        if (count < 2 || m2 == null) return Double.NaN;
        double var = 0, norm = 0;
        for (int i = 0; i < mean.length; i++) {
            var += m2[i];
            norm += mean[i] * mean[i];
        }
        double se = Math.sqrt(var / (count - 1) / count);
        return norm == 0 ? (se == 0 ? 0 : Double.POSITIVE_INFINITY) : se / Math.sqrt(norm);
    }

    /** The aggregated map as float32. */
    public float[] result(Aggregation aggregation) {
        if (count == 0) throw new IllegalStateException("No draws were reduced");
        float[] out = new float[mean.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) switch (aggregation) {
                case MEAN -> mean[i];
                case MEAN_OF_SQUARES -> m2[i] / count + mean[i] * mean[i];
                case VARIANCE -> m2[i] / count;
                case RANGE -> (double) max[i] - min[i];
            };
        }
        return out;
    }
}
