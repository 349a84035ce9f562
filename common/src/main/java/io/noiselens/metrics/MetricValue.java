package io.noiselens.metrics;

/**
 * One score: the value, an optional curve (deletion, insertion, …), and the reason when the value is NaN, so a
 * missing score is never silent.
 */
public record MetricValue(double value, double[] curve, String nanReason) {
    public static MetricValue of(double value) {
        return Double.isNaN(value) ? nan("the score is undefined (0/0)") : new MetricValue(value, null, null);
    }

    public static MetricValue of(double value, double[] curve) {
        return Double.isNaN(value) ? new MetricValue(value, curve, "the score is undefined (0/0)")
                : new MetricValue(value, curve, null);
    }

    /** A curve's mean over its steps, NaN with {@code reason} when a step is undefined (the curve is kept). */
    public static MetricValue meanOf(double[] curve, String reason) {
        double sum = 0;
        for (double c : curve) sum += c;
        double v = sum / curve.length;
        return Double.isNaN(v) ? new MetricValue(v, curve, reason) : new MetricValue(v, curve, null);
    }

    public static MetricValue nan(String reason) {
        return new MetricValue(Double.NaN, null, reason);
    }
}
