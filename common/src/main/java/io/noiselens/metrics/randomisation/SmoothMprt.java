package io.noiselens.metrics.randomisation;

import io.noiselens.metrics.InputPerturbation;
import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbedMaps;
import io.noiselens.metrics.Similarity;
import io.noiselens.metrics.Statistic;
import io.noiselens.model.ModelWeights;
import io.noiselens.random.KeyedRandom;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Smooth MPRT (Hedström, Weber, Lapuschkin, Höhne, "Sanity Checks Revisited", NeurIPS 2023 XAI workshop; Quantus
 * {@code SmoothMPRT}, METHODS-2.md §B.5): every map is denoised before it is compared — ē = (1/N) Σₙ e(x + εₙ),
 * εₙ ~ N(0, σ²), σ = 0.1·(max x − min x) per image, the last of the N draws noise-free — and layers are randomised
 * cascading from the input (Quantus's {@code bottom_up}), each reset as {@link Mprt} does. The curve holds, per step
 * (first layer first), the Spearman rank correlation of the denoised map on the randomised model with the
 * denoised original, and the score is its mean (Quantus's {@code return_average_correlation}). Lower is better.
 * N is the run's {@code metrics.robustness_samples} (Quantus 50); noise is keyed by (run seed, image, draw), where
 * Quantus draws from NumPy's global generator; the original and every randomised model see the same draws.
 */
public record SmoothMprt(int samples) implements Metric {
    /** Quantus's noise magnitude, relative to the image's value range. */
    static final double NOISE = 0.1;

    public SmoothMprt {
        if (samples < 1) throw new IllegalArgumentException("samples ≥ 1 required, got " + samples);
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("smooth_mprt", MetricCategory.RANDOMISATION, false, false, Map.of("samples", samples,
                "noise", "gaussian, sigma = 0.1 (max x - min x), last draw noise-free", "layer_order", "bottom_up",
                "mode", "cascading", "similarity", "spearman", "score", "mean over layers",
                "curve", "similarity per randomised layer, first layer first"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        double[][] curves = ctx.get(new Curves(samples));
        if (curves[i].length == 0) return MetricValue.nan("the model has no trainable layers");
        return MetricValue.meanOf(curves[i], Mprt.UNDEFINED);
    }

    /**
     * Per item, the correlation per cascading step. Only the denoised originals and one step's denoised maps are held
     * at a time: (L + 1)·N re-explanations per image, never L·N maps in memory.
     */
    record Curves(int samples) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            List<String> bottomUp = new ArrayList<>(Mprt.layersTopDown(ctx.weights()));
            Collections.reverse(bottomUp);
            float[][] original = denoised(ctx, MetricContext.Variant.SAME);
            double[][] out = new double[ctx.size()][bottomUp.size()];
            for (int k = 0; k < bottomUp.size(); k++) {
                // Each step's weights are used once: made here, not cached in the batch's statistics (a model copy
                // per layer would stay in memory until the batch ends).
                ModelWeights weights = Mprt.randomise(ctx.weights(), new HashSet<>(bottomUp.subList(0, k + 1)), ctx.seed());
                float[][] randomised = denoised(ctx, new MetricContext.Variant("smprt/" + k, false, weights));
                for (int i = 0; i < out.length; i++) out[i][k] = Similarity.spearman(original[i], randomised[i]);
            }
            return out;
        }

        private float[][] denoised(MetricContext ctx, MetricContext.Variant variant) {
            float[][] mean = new float[ctx.size()][ctx.pixels()];
            PerturbedMaps.forEach(ctx, new RangeGaussian(NOISE, samples), samples, variant, (i, s, copy, heatmap) -> {
                for (int p = 0; p < heatmap.length; p++) mean[i][p] += heatmap[p] / samples;
            });
            return mean;
        }
    }

    /** x + N(0, (f·(max x − min x))²) per value; draw {@code samples − 1} is x itself. */
    record RangeGaussian(double fraction, int samples) implements InputPerturbation {
        @Override
        public String key() {
            return "range_gaussian:" + fraction + ":" + samples;
        }

        @Override
        public float[] apply(float[] x, long streamKey) {
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            for (float v : x) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            double sigma = fraction * (max - min);
            float[] y = new float[x.length];
            KeyedRandom.fillGaussian(streamKey, y, 0, y.length);
            for (int j = 0; j < x.length; j++) y[j] = (float) (x[j] + sigma * y[j]);
            return y;
        }

        @Override
        public float[] apply(float[] x, long streamKey, int sample) {
            return sample == samples - 1 ? x.clone() : apply(x, streamKey);
        }
    }
}
