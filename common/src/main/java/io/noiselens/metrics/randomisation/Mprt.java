package io.noiselens.metrics.randomisation;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.VariantMaps;
import io.noiselens.metrics.Statistic;
import io.noiselens.metrics.Similarity;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Tensor;
import io.noiselens.random.KeyedRandom;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Model parameter randomisation test (Adebayo, Gilmer, Muelly, Goodfellow, Hardt, Kim, "Sanity Checks for
 * Saliency Maps", NeurIPS 2018; Quantus {@code MPRT}, METHODS.md §8.5). Layers — the modules owning parameters,
 * i.e. tensors grouped by the name before their last dot (a convolution and its BatchNorm are two layers, as in
 * PyTorch) — are randomised top-down from the output. Cascading: step k randomises the top k layers; independent:
 * step k randomises layer k alone. After each step the method re-explains every item of the batch (one batched
 * engine call per step, shared by both similarities), and the similarity of |map| to the original |map| is taken
 * by Spearman rank correlation or 2-D SSIM. The curve holds the similarity per step (top layer first) and the
 * score is its mean (Quantus's {@code return_average_correlation}). Lower is better: a map that ignores the
 * parameters fails the check.
 *
 * <p>Randomisation is PyTorch's {@code reset_parameters}: weights and biases U(−1/√fan_in, 1/√fan_in), fan_in the
 * product of the weight's input dimensions; BatchNorm γ = 1, β = 0, running mean 0, variance 1. Draws are keyed
 * by (run seed, tensor name), never a global RNG.
 */
public final class Mprt implements Metric {
    /** Which layers a step randomises. */
    public enum Mode { CASCADING, INDEPENDENT }

    /** The similarity of |original| and |randomised| heat maps. */
    public enum Measure { SPEARMAN, SSIM }

    /** Why a step's similarity is NaN: a map without variation has no ranks (a randomised ReLU net's CAM can be all 0). */
    static final String UNDEFINED = "a map is constant after randomisation (or before): its rank correlation is undefined";

    private final Mode mode;
    private final Measure measure;

    public Mprt(Mode mode, Measure measure) {
        this.mode = mode;
        this.measure = measure;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("mprt_" + mode.name().toLowerCase() + "_" + measure.name().toLowerCase(),
                MetricCategory.RANDOMISATION, false, false, Map.of("mode", mode.name().toLowerCase(),
                "layer_order", "top_down", "similarity", measure == Measure.SSIM ? "ssim_2d(window=7)" : "spearman",
                "values", "|heat map|", "randomisation", "reset_parameters (U(±1/sqrt(fan_in)), BN γ=1 β=0 μ=0 σ²=1)",
                "score", "mean over layers", "curve", "similarity per randomised layer, top layer first"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        ModelWeights clean = ctx.weights();
        List<String> layers = layersTopDown(clean);
        if (layers.isEmpty()) return MetricValue.nan("the model has no trainable layers");
        float[] original = abs(ctx.item(i).heatmap());
        int h = ctx.spec().height(), w = ctx.spec().width();
        double[] curve = new double[layers.size()];
        for (int k = 0; k < layers.size(); k++) {
            Set<String> randomised = Set.copyOf(mode == Mode.CASCADING ? layers.subList(0, k + 1) : layers.subList(k, k + 1));
            float[][] maps = ctx.get(new VariantMaps(variant(ctx, "mprt/" + mode + "/" + k, randomised)));
            float[] changed = abs(ctx.heatmapOf(maps[i]));
            curve[k] = measure == Measure.SSIM ? Similarity.ssim(original, changed, h, w) : Similarity.spearman(original, changed);
        }
        return MetricValue.meanOf(curve, UNDEFINED);
    }

    /**
     * The scored method on the model with the named layers reset, as a variant keyed {@code key}: metrics naming the
     * same key and layers (the cascading test's last step and eMPRT's fully randomised model) share its maps.
     */
    static MetricContext.Variant variant(MetricContext ctx, String key, Set<String> layers) {
        return new MetricContext.Variant(key, false, ctx.get(new RandomisedWeights(Set.copyOf(layers))));
    }

    /** The scored model's weights with the named layers reset, shared by the randomisation metrics of the batch. */
    private record RandomisedWeights(Set<String> layers) implements Statistic<ModelWeights> {
        @Override
        public ModelWeights compute(MetricContext ctx) {
            return randomise(ctx.weights(), layers, ctx.seed());
        }
    }

    /** Layers owning at least one trainable tensor, output layer first. */
    public static List<String> layersTopDown(ModelWeights weights) {
        Map<String, Boolean> layers = new LinkedHashMap<>();
        for (Tensor t : weights.tensors()) layers.merge(layer(t.name()), t.trainable(), Boolean::logicalOr);
        List<String> out = new ArrayList<>();
        layers.forEach((name, trainable) -> {
            if (trainable) out.add(0, name);
        });
        return out;
    }

    /** The weights with every tensor of the named layers reset as PyTorch's {@code reset_parameters} does. */
    public static ModelWeights randomise(ModelWeights weights, Set<String> layers, long seed) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : weights.tensors()) {
            String layer = layer(t.name());
            if (!layers.contains(layer)) {
                out.add(t);
                continue;
            }
            String suffix = t.name().substring(layer.length() + 1);
            float[] d = new float[t.size()];
            switch (suffix) {
                case "gamma", "running_var" -> java.util.Arrays.fill(d, 1f);
                case "beta", "running_mean" -> { }
                default -> {
                    double bound = 1 / Math.sqrt(fanIn(weights, layer, t));
                    long key = KeyedRandom.key(seed, KeyedRandom.Purpose.RANDOMISATION, KeyedRandom.hash(t.name()));
                    for (int k = 0; k < d.length; k++) d[k] = (float) ((2 * KeyedRandom.uniform(key, k) - 1) * bound);
                }
            }
            out.add(t.withData(d));
        }
        return new ModelWeights(out);
    }

    /** Input fan of a layer: the product of its weight's dimensions but the last (YXIO convolutions, [in, out] dense). */
    private static long fanIn(ModelWeights weights, String layer, Tensor t) {
        Tensor w = weights.contains(layer + ".weight") ? weights.get(layer + ".weight") : t;
        long fan = 1;
        for (int k = 0; k < w.shape().length - 1; k++) fan *= w.shape()[k];
        return Math.max(1, fan);
    }

    private static String layer(String tensor) {
        int dot = tensor.lastIndexOf('.');
        return dot < 0 ? tensor : tensor.substring(0, dot);
    }

    private static float[] abs(float[] v) {
        float[] out = new float[v.length];
        for (int k = 0; k < v.length; k++) out[k] = Math.abs(v[k]);
        return out;
    }
}
