package io.noiselens.attribution;

/**
 * One map: image {@code index} of the batch explained by {@code method}. {@code map} has C×H×W values
 * (C = 1 after a channel reduction). {@code igDelta} is Σ map − (f(x) − f(x′)) before abs and reduction, for
 * complete methods without noise (NaN otherwise); {@code fx}/{@code fBaseline} are the explained scores;
 * {@code details} holds what a driver decided for this map.
 */
public record AttributionResult(int index, AttributionMethod method, int target, float[] map, int channels,
                                int height, int width, long draws, double igDelta, double fx, double fBaseline,
                                java.util.Map<String, Object> details) {
    public AttributionResult(int index, AttributionMethod method, int target, float[] map, int channels, int height,
                             int width, long draws, double igDelta, double fx, double fBaseline) {
        this(index, method, target, map, channels, height, width, draws, igDelta, fx, fBaseline, java.util.Map.of());
    }

    /** Detail key of the relative standard error of a mean over independent draws ({@link SequentialStopping}). */
    public static final String RELATIVE_SE = "relative_se";
    /** Detail key of the model's forward passes behind a perturbation method's map (every draw's rows). */
    public static final String FORWARD_PASSES = "forward_passes";
    /** Detail key of the layer a class activation map read (the default resolved to a name). */
    public static final String LAYER = "layer";

    /** The relative standard error of the map, NaN where it is not defined (one draw, dependent draws). */
    public double relativeSe() {
        Object v = details.get(RELATIVE_SE);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    /** The same result with per-map details (e.g. the σ adaptive noising chose), stored in {@code method_params}. */
    public AttributionResult withDetails(java.util.Map<String, Object> more) {
        return new AttributionResult(index, method, target, map, channels, height, width, draws, igDelta, fx, fBaseline,
                more);
    }

    public double min() {
        double m = Double.POSITIVE_INFINITY;
        for (float v : map) m = Math.min(m, v);
        return m;
    }

    public double max() {
        double m = Double.NEGATIVE_INFINITY;
        for (float v : map) m = Math.max(m, v);
        return m;
    }

    public double l1() {
        double s = 0;
        for (float v : map) s += Math.abs(v);
        return s;
    }

    public double l2() {
        double s = 0;
        for (float v : map) s += (double) v * v;
        return Math.sqrt(s);
    }

    /** |δ| / max(|f(x) − f(x′)|, 1e-12), the relative completeness error (METHODS.md §2.3). */
    public double igRelDelta() {
        return Math.abs(igDelta) / Math.max(Math.abs(fx - fBaseline), 1e-12);
    }
}
