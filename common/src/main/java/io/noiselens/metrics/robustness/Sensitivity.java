package io.noiselens.metrics.robustness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbedMaps;
import io.noiselens.metrics.PredictionChanges;
import io.noiselens.metrics.InputPerturbation;
import io.noiselens.random.KeyedRandom;

import java.util.Map;

/**
 * Max- and Avg-Sensitivity (Yeh et al., "On the (In)fidelity and Sensitivity of Explanations", NeurIPS 2019;
 * Quantus {@code MaxSensitivity}/{@code AvgSensitivity}): the method re-explains the original class on
 * {@code samples} copies x_k = x + U(−r, r) per feature, and the score is max_k (or mean_k) of
 * ‖Φ(x_k) − Φ(x)‖_F / ‖Φ(x)‖_F. Both share one set of re-explanations per batch. Lower is better. Quantus uses
 * 200 samples; the default here is 10 (Captum's n_perturb_samples), recorded with every value.
 */
public final class Sensitivity implements Metric {
    private final boolean max;
    private final int samples;
    private final double radius;
    private final boolean nanOnChange;

    /** Quantus's lower bound of the uniform noise, r = 0.2. */
    public static final double DEFAULT_RADIUS = 0.2;

    public Sensitivity(boolean max, int samples, double radius) {
        this(max, samples, radius, false);
    }

    /** {@code nanOnChange}: NaN when a copy changes the predicted class (Quantus's default: off). */
    public Sensitivity(boolean max, int samples, double radius, boolean nanOnChange) {
        if (samples < 1 || !(radius > 0)) throw new IllegalArgumentException("samples ≥ 1 and radius > 0 required");
        this.max = max;
        this.samples = samples;
        this.radius = radius;
        this.nanOnChange = nanOnChange;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo(max ? "max_sensitivity" : "avg_sensitivity", MetricCategory.ROBUSTNESS, false, false,
                Map.of("samples", samples, "perturbation", "uniform", "radius", radius, "norm", "frobenius",
                        "relative", true, "target", "original class", "nan_on_prediction_change", nanOnChange));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        UniformNoise noise = new UniformNoise(radius);
        MetricValue changed = PredictionChanges.nanIfChanged(ctx, nanOnChange, noise, samples, i);
        if (changed != null) return changed;
        PerturbedMaps.Maps p = ctx.get(new PerturbedMaps(noise, samples));
        float[] a = ctx.item(i).heatmap();
        double norm = 0;
        for (float v : a) norm += (double) v * v;
        norm = Math.sqrt(norm);
        if (norm == 0) return MetricValue.nan("the map is all zero");
        double agg = max ? Double.NEGATIVE_INFINITY : 0;
        for (float[] b : p.heatmaps()[i]) {
            double d = 0;
            for (int j = 0; j < a.length; j++) d += (double) (b[j] - a[j]) * (b[j] - a[j]);
            double s = Math.sqrt(d) / norm;
            agg = max ? Math.max(agg, s) : agg + s / samples;
        }
        return MetricValue.of(agg);
    }

    /** x + U(−r, r) per value, Quantus's {@code uniform_noise}. */
    record UniformNoise(double radius) implements InputPerturbation {
        @Override
        public String key() {
            return "uniform:" + radius;
        }

        @Override
        public float[] apply(float[] x, long streamKey) {
            float[] y = new float[x.length];
            for (int j = 0; j < x.length; j++) y[j] = (float) (x[j] + radius * (2 * KeyedRandom.uniform(streamKey, j) - 1));
            return y;
        }
    }
}
