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
 * Local Lipschitz estimate (Alvarez-Melis & Jaakkola, "On the Robustness of Interpretability Methods", 2018;
 * Quantus {@code LocalLipschitzEstimate}): L̂(x) = max_k ‖Φ(x) − Φ(x_k)‖₂ / ‖x − x_k‖₂ over copies
 * x_k = x + N(0, σ²) per feature, the method re-explaining the original class. Maps are not normalised (Quantus
 * normalises by the batch maximum, which makes the score depend on the batch, METHODS.md §8). Lower is better.
 */
public final class LocalLipschitzEstimate implements Metric {
    private final int samples;
    private final double sigma;
    private final boolean nanOnChange;

    /** Quantus's perturbation standard deviation, σ = 0.1. */
    public static final double DEFAULT_SIGMA = 0.1;

    public LocalLipschitzEstimate(int samples, double sigma) {
        this(samples, sigma, false);
    }

    /** {@code nanOnChange}: NaN when a copy changes the predicted class (Quantus's default: off). */
    public LocalLipschitzEstimate(int samples, double sigma, boolean nanOnChange) {
        if (samples < 1 || !(sigma > 0)) throw new IllegalArgumentException("samples ≥ 1 and sigma > 0 required");
        this.samples = samples;
        this.sigma = sigma;
        this.nanOnChange = nanOnChange;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("local_lipschitz_estimate", MetricCategory.ROBUSTNESS, false, false,
                Map.of("samples", samples, "perturbation", "gaussian", "sigma", sigma, "norm", "l2",
                        "target", "original class", "nan_on_prediction_change", nanOnChange));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        GaussianNoise noise = new GaussianNoise(sigma);
        MetricValue changed = PredictionChanges.nanIfChanged(ctx, nanOnChange, noise, samples, i);
        if (changed != null) return changed;
        PerturbedMaps.Maps p = ctx.get(new PerturbedMaps(noise, samples));
        float[] a = ctx.item(i).heatmap();
        double best = 0;
        for (int k = 0; k < samples; k++) {
            float[] b = p.heatmaps()[i][k];
            double d = 0;
            for (int j = 0; j < a.length; j++) d += (double) (b[j] - a[j]) * (b[j] - a[j]);
            best = Math.max(best, Math.sqrt(d) / p.inputDistances()[i][k]);
        }
        return MetricValue.of(best);
    }

    /** x + N(0, σ²) per value, Quantus's {@code gaussian_noise}. */
    record GaussianNoise(double sigma) implements InputPerturbation {
        @Override
        public String key() {
            return "gaussian:" + sigma;
        }

        @Override
        public float[] apply(float[] x, long streamKey) {
            float[] y = new float[x.length];
            KeyedRandom.fillGaussian(streamKey, y, 0, y.length);
            for (int j = 0; j < x.length; j++) y[j] = (float) (x[j] + sigma * y[j]);
            return y;
        }
    }
}
