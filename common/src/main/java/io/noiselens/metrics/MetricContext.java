package io.noiselens.metrics;

import io.noiselens.attribution.ChannelReduction;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.OutputSpace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One batch of scored maps and what its metrics share: the items, the model's forward evaluation, the scored
 * method's re-explanation, and the batch's {@link Statistic}s, each computed once by the first metric that asks
 * for it. A "feature" is a pixel with all its channels (METHODS.md §8: ranking the broadcast C·H·W values splits
 * pixels and breaks ROAD on RGB).
 */
public final class MetricContext {
    /**
     * One scored map: the model input x (model space), its H×W heat map, the ground-truth mask, the target, and
     * the map as the method emitted it (C′×H×W after its channel reduction; the heat map when C′ = 1).
     */
    public record Item(String id, float[] input, float[] heatmap, boolean[] mask, int target, float[] map) {
        public Item(String id, float[] input, float[] heatmap, boolean[] mask, int target) {
            this(id, input, heatmap, mask, target, heatmap);
        }
    }

    /**
     * How a re-explanation differs from the scored map: {@code denoised} drops the method's noise plan (its noise-free
     * base explainer, for fidelity), {@code weights} replaces the model's parameters (null: its own; MPRT).
     * {@code key} names the variant.
     */
    public record Variant(String key, boolean denoised, ModelWeights weights) {
        public static final Variant SAME = new Variant("same", false, null);
    }

    /**
     * Re-runs the scored method (or a {@link Variant} of it) on other inputs for the given targets, returning the
     * maps as the method emits them. {@code ids} key the method's own noise, so re-explanations are deterministic.
     */
    @FunctionalInterface
    public interface Reexplainer {
        /** The maps, or null when the method has no such variant (e.g. no noise-free limit). */
        float[][] maps(List<float[]> inputs, List<String> ids, int[] targets, Variant variant);

        /** What the axiomatic metrics need to know of the scored method. */
        default ScoredMethod method() {
            return ScoredMethod.UNKNOWN;
        }
    }

    /**
     * The scored method's output space and its reference input (the baseline IG integrates from or DeepLift
     * compares with; null when it has none), so completeness is checked against the method's own Δf.
     */
    public record ScoredMethod(OutputSpace output, float[] baseline) {
        public static final ScoredMethod UNKNOWN = new ScoredMethod(OutputSpace.LOGIT, null);
    }

    private final ModelSpec spec;
    private final ForwardEvaluator evaluator;
    private final List<Item> items;
    private final Reexplainer reexplainer;
    private final long seed;
    private final Map<Statistic<?>, Object> statistics = new HashMap<>();
    private final Map<Object, Object> batchShared;
    private final List<Partner> partners;
    private final Map<MapPreprocessing, MetricContext> preprocessed = new HashMap<>();
    private String itemsKey;

    /** A context without re-explanation: robustness metrics report NaN with the reason. */
    public MetricContext(ModelSpec spec, ForwardEvaluator evaluator, List<Item> items) {
        this(spec, evaluator, null, 0, items);
    }

    public MetricContext(ModelSpec spec, ForwardEvaluator evaluator, Reexplainer reexplainer, long seed, List<Item> items) {
        this(spec, evaluator, reexplainer, seed, items, new HashMap<>());
    }

    /**
     * A context whose {@linkplain Statistic#methodIndependent() method-independent} statistics live in
     * {@code batchShared}, one map for the contexts of all the methods scored on a batch, so they are computed once
     * per batch.
     */
    public MetricContext(ModelSpec spec, ForwardEvaluator evaluator, Reexplainer reexplainer, long seed, List<Item> items,
                         Map<Object, Object> batchShared) {
        this(spec, evaluator, reexplainer, seed, items, batchShared, List.of());
    }

    /** A context with {@code partners}: the run's fixed pool of labelled images that Focus builds mosaics from. */
    public MetricContext(ModelSpec spec, ForwardEvaluator evaluator, Reexplainer reexplainer, long seed, List<Item> items,
                         Map<Object, Object> batchShared, List<Partner> partners) {
        this.batchShared = batchShared;
        this.partners = List.copyOf(partners);
        int plane = spec.height() * spec.width();
        for (Item it : items) {
            if (it.heatmap().length != plane || (it.mask() != null && it.mask().length != plane)) {
                throw new IllegalArgumentException("Item " + it.id() + ": heatmap/mask must have H×W = " + plane + " cells");
            }
        }
        this.spec = spec;
        this.evaluator = evaluator;
        this.items = List.copyOf(items);
        this.reexplainer = reexplainer;
        this.seed = seed;
    }

    /** The batch's value of {@code statistic}, computed the first time any metric asks for it. */
    @SuppressWarnings("unchecked")
    public <T> T get(Statistic<T> statistic) {
        // Not computeIfAbsent: a statistic may itself read others (retrieval reads re-explained maps).
        boolean shared = statistic.methodIndependent();
        Map<Object, Object> cache = shared ? batchShared : (Map<Object, Object>) (Map<?, ?>) statistics;
        Object key = shared ? List.of(statistic, itemsKey()) : statistic;
        Object v = cache.get(key);
        if (v == null) {
            v = statistic.compute(this);
            cache.put(key, v);
        }
        return (T) v;
    }

    /**
     * This batch with every map — the scored ones and the re-explained ones — passed through {@code p}: one context
     * per pre-processing, so metrics with the same options share their statistics.
     */
    public MetricContext preprocessed(MapPreprocessing p) {
        if (p.isIdentity()) return this;
        return preprocessed.computeIfAbsent(p, k -> {
            List<Item> out = new ArrayList<>();
            for (Item it : items) {
                float[] map = p.apply(it.map());
                out.add(new Item(it.id(), it.input(), heatmap(map, map.length / pixels(), pixels()), it.mask(),
                        it.target(), map));
            }
            Reexplainer r = reexplainer == null ? null : new Reexplainer() {
                @Override
                public float[][] maps(List<float[]> inputs, List<String> ids, int[] targets, Variant variant) {
                    float[][] maps = reexplainer.maps(inputs, ids, targets, variant);
                    if (maps == null) return null;
                    for (int j = 0; j < maps.length; j++) maps[j] = p.apply(maps[j]);
                    return maps;
                }

                @Override
                public ScoredMethod method() {
                    return reexplainer.method();
                }
            };
            return new MetricContext(spec, evaluator, r, seed, out, batchShared, partners);
        });
    }

    /** Item i's pixels by decreasing heat (a {@link Rankings} shared by the batch). */
    public int[] ranking(int i) {
        return get(Rankings.MOST_RELEVANT_FIRST)[i];
    }

    /** Item i's pixels by increasing heat (LeRF orders). */
    public int[] ascendingRanking(int i) {
        return get(Rankings.LEAST_RELEVANT_FIRST)[i];
    }

    /**
     * A labelled image of the run's partner pool (model input, C×H×W): the same for every batch and executor, chosen
     * by the job from the whole dataset by a hash of (run seed, image id).
     */
    public record Partner(String id, int label, float[] input) implements java.io.Serializable {}

    /** The run's partner pool (empty when the run gave none). */
    public List<Partner> partners() {
        return partners;
    }

    /** The scored method's output space and baseline ({@link ScoredMethod#UNKNOWN} without a re-explainer). */
    public ScoredMethod scoredMethod() {
        return reexplainer == null ? ScoredMethod.UNKNOWN : reexplainer.method();
    }

    public boolean canReexplain() {
        return reexplainer != null;
    }

    /**
     * The scored method's maps (as it emits them) of {@code inputs} for {@code targets}; {@code ids} key its noise.
     * Uncached: the statistics that need re-explanations ({@link PerturbedMaps}, {@link VariantMaps}, …) call it.
     */
    public float[][] reexplain(List<float[]> inputs, List<String> ids, int[] targets, Variant variant) {
        if (reexplainer == null) throw new IllegalStateException("no re-explainer in this context");
        return reexplainer.maps(inputs, ids, targets, variant);
    }

    /** Reduces a C×H×W attribution to an H×W heat map by the signed channel sum (identity when C = 1). */
    public static float[] heatmap(float[] map, int channels, int plane) {
        return ChannelReduction.SUM.apply(map, channels, plane);
    }

    /** The H×W heat map of a map as the method emitted it (signed channel sum). */
    public float[] heatmapOf(float[] map) {
        return heatmap(map, map.length / pixels(), pixels());
    }

    public int size() {
        return items.size();
    }

    public Item item(int i) {
        return items.get(i);
    }

    public ModelSpec spec() {
        return spec;
    }

    public int pixels() {
        return spec.height() * spec.width();
    }

    public long seed() {
        return seed;
    }

    /** The items' target classes. */
    public int[] targets() {
        int[] t = new int[items.size()];
        for (int i = 0; i < t.length; i++) t[i] = items.get(i).target();
        return t;
    }

    public List<float[]> inputs() {
        List<float[]> x = new ArrayList<>();
        for (Item it : items) x.add(it.input());
        return x;
    }

    /** Names the items and their classes (methods may score different subsets of a batch). */
    String itemsKey() {
        if (itemsKey == null) {
            StringBuilder sb = new StringBuilder();
            for (Item it : items) sb.append(it.id()).append(':').append(it.target()).append(';');
            itemsKey = sb.toString();
        }
        return itemsKey;
    }

    /** Step boundaries of {@code step} pixels for every item: step, 2·step, …, H·W. */
    public int[][] uniformSteps(int step) {
        int steps = (pixels() + step - 1) / step;
        int[] b = new int[steps];
        for (int k = 0; k < steps; k++) b[k] = Math.min(pixels(), (k + 1) * step);
        int[][] all = new int[items.size()][];
        Arrays.fill(all, b);
        return all;
    }

    /**
     * Perturbation curves of every item: point 0 scores {@code starts[i]}; point k + 1 scores it with the first
     * {@code boundaries[i][k]} pixels of {@code orders[i]} (all channels) taken from {@code finishes[i]}. All items'
     * perturbed inputs go through one batched evaluation, generated on the fly. Uncached: the statistics of the
     * metrics that read curves call it.
     */
    public double[][] curves(int[][] orders, int[][] boundaries, float[][] starts, float[][] finishes, OutputSpace space) {
        int plane = pixels(), channels = spec.channels(), size = spec.inputSize();
        int points = boundaries[0].length + 1;
        int n = items.size() * points;
        int[] targets = new int[n];
        for (int j = 0; j < n; j++) targets[j] = items.get(j / points).target();
        double[] s = evaluator.scores(n, (j, buf, off) -> {
            int i = j / points, p = j % points, moved = p == 0 ? 0 : boundaries[i][p - 1];
            System.arraycopy(starts[i], 0, buf, off, size);
            for (int r = 0; r < moved; r++) {
                int px = orders[i][r];
                for (int c = 0; c < channels; c++) buf[off + c * plane + px] = finishes[i][c * plane + px];
            }
        }, targets, space);
        double[][] out = new double[items.size()][points];
        for (int j = 0; j < n; j++) out[j / points][j % points] = s[j];
        return out;
    }

    /** Forward scores of arbitrary generated inputs (faithfulness correlation's random subsets). */
    public double[] scores(int n, ForwardEvaluator.InputWriter writer, int[] targets, OutputSpace space) {
        return evaluator.scores(n, writer, targets, space);
    }

    /** Target logit, probability and arg-max class of arbitrary generated inputs (ROAD, AUPC). */
    public ForwardEvaluator.Scores evaluate(int n, ForwardEvaluator.InputWriter writer, int[] targets) {
        return evaluator.evaluate(n, writer, targets);
    }

    /** Every class's logit of arbitrary generated inputs (relative output stability). */
    public double[][] logits(int n, ForwardEvaluator.InputWriter writer) {
        return evaluator.logits(n, writer);
    }

    /** The forward evaluation's micro-batch: how many inputs one model call takes. */
    public int microBatch() {
        return evaluator == null ? Integer.MAX_VALUE : evaluator.microBatch();
    }

    /** Quantus's "black" baseline: every value of item i replaced by the image's minimum (METHODS.md §8). */
    public float[] minimumImage(int i) {
        float[] out = new float[items.get(i).input().length];
        Arrays.fill(out, minimum(i));
        return out;
    }

    /** The smallest value of item i's input. */
    public float minimum(int i) {
        float min = Float.POSITIVE_INFINITY;
        for (float v : items.get(i).input()) min = Math.min(min, v);
        return min;
    }

    /** The scored model (attacks need its gradients). */
    public ClassifierModel model() {
        if (evaluator == null) throw new IllegalStateException("no model in this context");
        return evaluator.model();
    }

    /** The parameters of the scored model (MPRT randomises them layer by layer). */
    public ModelWeights weights() {
        if (evaluator == null) throw new IllegalStateException("no model in this context");
        return evaluator.weights();
    }
}
