package io.noiselens.metrics.robustness;

import io.noiselens.metrics.InputPerturbation;
import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbedMaps;
import io.noiselens.metrics.PredictionChanges;

import java.util.Map;

/**
 * Continuity (Montavon, Samek, Müller, "Methods for Interpreting and Understanding Deep Neural Networks", DSP 2018;
 * Quantus {@code Continuity}, METHODS-2.md §B.2): the method re-explains the original class on horizontally translated
 * copies x_τ (vacated columns at the image minimum, "black"), τ = −W + k·⌊(2W + 1)/(steps + 1)⌋ for k = 1 … steps
 * with τ = 0 skipped, and the score is max_τ ‖a(x) − a(x_τ)‖₁ / (‖x − x_τ‖₂ + 10⁻⁹) on the heat maps, not re-aligned
 * (as Quantus). Lower is better. Quantus uses 28 steps; the run's {@code metrics.robustness_samples} sets them here.
 */
public record Continuity(int steps, boolean nanOnChange) implements Metric {
    public Continuity {
        if (steps < 1) throw new IllegalArgumentException("steps ≥ 1 required, got " + steps);
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("continuity", MetricCategory.ROBUSTNESS, false, false, Map.of("steps", steps,
                "translation", "horizontal, vacated columns at the image minimum", "norm", "l1 / l2", "aligned", false,
                "target", "original class", "nan_on_prediction_change", nanOnChange));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        Translation t = new Translation(ctx.spec().channels(), ctx.spec().height(), ctx.spec().width(), steps);
        MetricValue changed = PredictionChanges.nanIfChanged(ctx, nanOnChange, t, t.shifts().length, i);
        if (changed != null) return changed;
        PerturbedMaps.Maps p = ctx.get(new PerturbedMaps(t, t.shifts().length));
        float[] a = ctx.item(i).heatmap();
        double worst = 0;
        for (int s = 0; s < t.shifts().length; s++) {
            float[] b = p.heatmaps()[i][s];
            double l1 = 0;
            for (int j = 0; j < a.length; j++) l1 += Math.abs(a[j] - b[j]);
            worst = Math.max(worst, l1 / (p.inputDistances()[i][s] + 1e-9));
        }
        return MetricValue.of(worst);
    }

    /** Horizontal translations by the shifts Quantus uses, τ = 0 left out. */
    record Translation(int channels, int height, int width, int steps) implements InputPerturbation {
        int[] shifts() {
            int dx = Math.max(1, (2 * width + 1) / (steps + 1));
            return java.util.stream.IntStream.rangeClosed(1, steps).map(k -> -width + k * dx).filter(t -> t != 0).toArray();
        }

        @Override
        public String key() {
            return "translate:" + steps;
        }

        @Override
        public float[] apply(float[] x, long streamKey) {
            throw new UnsupportedOperationException("translations are indexed, not drawn");
        }

        @Override
        public float[] apply(float[] x, long streamKey, int sample) {
            int tau = shifts()[sample], plane = height * width;
            float min = Float.POSITIVE_INFINITY;
            for (float v : x) min = Math.min(min, v);
            float[] y = new float[x.length];
            for (int c = 0; c < channels; c++) {
                for (int r = 0; r < height; r++) {
                    for (int col = 0; col < width; col++) {
                        int from = col - tau;
                        y[c * plane + r * width + col] = from >= 0 && from < width ? x[c * plane + r * width + from] : min;
                    }
                }
            }
            return y;
        }
    }
}
