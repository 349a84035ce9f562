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

    public static MetricValue nan(String reason) {
        return new MetricValue(Double.NaN, null, reason);
    }
}
