package io.noiselens.metrics;

import io.noiselens.model.ModelSpec;
import io.noiselens.model.OutputSpace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The statistics shared by the metrics of one batch, computed once and cached: each map reduced to one value per
 * pixel, its stable ranking, and the deletion/insertion curves of the whole batch (evaluated together through
 * the {@link ForwardEvaluator}). A "feature" is a pixel with all its channels (METHODS.md §8: ranking the
 * broadcast C·H·W values splits pixels and breaks ROAD on RGB).
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
     * {@code key} names the variant in the context's cache.
     */
    public record Variant(String key, boolean denoised, io.noiselens.model.ModelWeights weights) {
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
    }

    /** Maps a clean input to a perturbed copy, drawing from the keyed stream {@code key}. */
    @FunctionalInterface
    public interface Perturbation {
        float[] apply(float[] x, long key);
    }

    /** Heat maps of perturbed copies: [item][sample], with ‖x − x_k‖₂ per copy. */
    public record Perturbed(float[][][] heatmaps, double[][] inputDistances) {}

    private final ModelSpec spec;
    private final ForwardEvaluator evaluator;
    private final List<Item> items;
    private final int[][] rankings;
    private final int[][] ascending;
    private final Map<String, double[][]> curves = new HashMap<>();
    private final float[][] blurred;
    private final Reexplainer reexplainer;
    private final long seed;
    private final Map<String, Perturbed> perturbed = new HashMap<>();
    private final Map<String, Object> sharedValues = new HashMap<>();
    private final Map<String, Object> batchShared;

    /** A context without re-explanation: robustness metrics report NaN with the reason. */
    public MetricContext(ModelSpec spec, ForwardEvaluator evaluator, List<Item> items) {
        this(spec, evaluator, null, 0, items);
    }

    public MetricContext(ModelSpec spec, ForwardEvaluator evaluator, Reexplainer reexplainer, long seed, List<Item> items) {
        this(spec, evaluator, reexplainer, seed, items, new HashMap<>());
    }

    /**
     * A context whose method-independent statistics (adversarial inputs of the same images and classes) live in
     * {@code batchShared}, one map for all the methods scored on a batch, so they are computed once per batch.
     */
    public MetricContext(ModelSpec spec, ForwardEvaluator evaluator, Reexplainer reexplainer, long seed, List<Item> items,
                         Map<String, Object> batchShared) {
        this.batchShared = batchShared;
        int plane = spec.height() * spec.width();
        for (Item it : items) {
            if (it.heatmap().length != plane || (it.mask() != null && it.mask().length != plane)) {
                throw new IllegalArgumentException("Item " + it.id() + ": heatmap/mask must have H×W = " + plane + " cells");
            }
        }
        this.spec = spec;
        this.evaluator = evaluator;
        this.items = List.copyOf(items);
        this.rankings = new int[items.size()][];
        this.ascending = new int[items.size()][];
        this.blurred = new float[items.size()][];
        this.reexplainer = reexplainer;
        this.seed = seed;
    }

    public boolean canReexplain() {
        return reexplainer != null;
    }

    /**
     * The method's maps of {@code samples} perturbed copies of every item, computed once per {@code key} for the
     * whole batch (Max- and Avg-Sensitivity share them). Copy k of item i is drawn from the stream keyed by
     * (seed, item id, key, k).
     */
    public Perturbed perturbed(String key, int samples, Perturbation perturbation) {
        if (reexplainer == null) throw new IllegalStateException("no re-explainer in this context");
        return perturbed.computeIfAbsent(key + "/" + samples, k -> {
            int n = items.size(), total = n * samples;
            float[][][] out = new float[n][samples][];
            double[][] dist = new double[n][samples];
            // One forward micro-batch of copies at a time: the copies and their full maps are dropped once reduced
            // to heat maps, so the working set is the chunk plus n·samples heat maps, not n·samples inputs and maps.
            int chunk = evaluator == null ? Math.max(1, total) : evaluator.microBatch();
            for (int from = 0; from < total; from += chunk) {
                int count = Math.min(chunk, total - from);
                List<float[]> inputs = new ArrayList<>(count);
                List<String> ids = new ArrayList<>(count);
                int[] targets = new int[count];
                for (int j = 0; j < count; j++) {
                    int i = (from + j) / samples, s = (from + j) % samples;
                    Item it = items.get(i);
                    float[] xs = perturbation.apply(it.input(), io.noiselens.noise.KeyedRandom.key(seed,
                            io.noiselens.noise.KeyedRandom.Purpose.INPUT, io.noiselens.noise.KeyedRandom.hash(it.id()),
                            io.noiselens.noise.KeyedRandom.hash(key), s));
                    double d = 0;
                    for (int q = 0; q < xs.length; q++) d += (double) (xs[q] - it.input()[q]) * (xs[q] - it.input()[q]);
                    dist[i][s] = Math.sqrt(d);
                    inputs.add(xs);
                    ids.add(it.id() + "#" + key + "#" + s);
                    targets[j] = it.target();
                }
                float[][] maps = reexplainer.maps(inputs, ids, targets, Variant.SAME);
                for (int j = 0; j < count; j++) out[(from + j) / samples][(from + j) % samples] = heatmapOf(maps[j]);
            }
            return new Perturbed(out, dist);
        });
    }

    /** Item i's input blurred per channel by an 11×11 Gaussian with σ = 5 and zero padding (RISE's substrate). */
    public float[] blurred(int i) {
        if (blurred[i] == null) blurred[i] = gaussianBlur(items.get(i).input(), spec.channels(), spec.height(), spec.width(), 11, 5);
        return blurred[i];
    }

    static float[] gaussianBlur(float[] x, int channels, int h, int w, int size, double sigma) {
        int r = size / 2;
        double[] k = new double[size];
        double norm = 0;
        for (int j = 0; j < size; j++) norm += (k[j] = Math.exp(-((j - r) * (j - r)) / (2 * sigma * sigma)));
        for (int j = 0; j < size; j++) k[j] /= norm;
        float[] tmp = new float[x.length], out = new float[x.length];
        int plane = h * w;
        for (int c = 0; c < channels; c++) {
            int o = c * plane;
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    double s = 0;
                    for (int j = -r; j <= r; j++) {
                        int q = xx + j;
                        if (q >= 0 && q < w) s += k[j + r] * x[o + y * w + q];
                    }
                    tmp[o + y * w + xx] = (float) s;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    double s = 0;
                    for (int j = -r; j <= r; j++) {
                        int q = y + j;
                        if (q >= 0 && q < h) s += k[j + r] * tmp[o + q * w + xx];
                    }
                    out[o + y * w + xx] = (float) s;
                }
            }
        }
        return out;
    }

    /** Reduces a C×H×W attribution to an H×W heat map by the signed channel sum (identity when C = 1). */
    public static float[] heatmap(float[] map, int channels, int plane) {
        return io.noiselens.attribution.ChannelReduction.SUM.apply(map, channels, plane);
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

    /** Pixel indices by decreasing heat, ties broken by index (a stable order, so results are reproducible). */
    public int[] ranking(int i) {
        if (rankings[i] == null) rankings[i] = order(items.get(i).heatmap(), true);
        return rankings[i];
    }

    /** Pixel indices by increasing heat, ties broken by index (LeRF orders). */
    public int[] ascendingRanking(int i) {
        if (ascending[i] == null) ascending[i] = order(items.get(i).heatmap(), false);
        return ascending[i];
    }

    private static int[] order(float[] h, boolean decreasing) {
        Integer[] idx = new Integer[h.length];
        for (int k = 0; k < idx.length; k++) idx[k] = k;
        Arrays.sort(idx, (a, b) -> {
            int c = decreasing ? Float.compare(h[b], h[a]) : Float.compare(h[a], h[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] r = new int[h.length];
        for (int k = 0; k < r.length; k++) r[k] = idx[k];
        return r;
    }

    /**
     * The RISE causal curves of every item (Petsiuk et al. 2018): probability of the target after moving the
     * top-ranked pixels, {@code step} pixels at a time, from {@code start} to {@code finish} (deletion: start = x,
     * finish = substrate; insertion: the reverse). Curves have ⌈H·W/step⌉ + 1 points.
     */
    public double[][] causalCurves(String key, int step, float[][] starts, float[][] finishes) {
        int[][] orders = new int[items.size()][];
        for (int i = 0; i < orders.length; i++) orders[i] = ranking(i);
        return curves(key + "/" + step, orders, uniformSteps(step), starts, finishes, OutputSpace.PROBABILITY);
    }

    /** Step boundaries of {@code step} pixels for every item: step, 2·step, …, H·W. */
    public int[][] uniformSteps(int step) {
        int steps = (pixels() + step - 1) / step;
        int[] b = new int[steps];
        for (int k = 0; k < steps; k++) b[k] = Math.min(pixels(), (k + 1) * step);
        int[][] all = new int[items.size()][];
        java.util.Arrays.fill(all, b);
        return all;
    }

    /**
     * Perturbation curves of every item, computed once per {@code key} and shared by the metrics that read them:
     * point 0 scores {@code starts[i]}; point k + 1 scores it with the first {@code boundaries[i][k]} pixels of
     * {@code orders[i]} (all channels) taken from {@code finishes[i]}. All items' perturbed inputs go through one
     * batched evaluation, generated on the fly.
     */
    public double[][] curves(String key, int[][] orders, int[][] boundaries, float[][] starts, float[][] finishes,
                             OutputSpace space) {
        return curves.computeIfAbsent(key + "/" + space, k -> {
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
        });
    }

    /** Forward scores of arbitrary generated inputs (faithfulness correlation's random subsets). */
    public double[] scores(int n, ForwardEvaluator.InputWriter writer, int[] targets, OutputSpace space) {
        return evaluator.scores(n, writer, targets, space);
    }

    /** Target logit, probability and arg-max class of arbitrary generated inputs (ROAD, AUPC). */
    public ForwardEvaluator.Scores evaluate(int n, ForwardEvaluator.InputWriter writer, int[] targets) {
        return evaluator.evaluate(n, writer, targets);
    }

    /** Quantus's "black" baseline: every value of item i replaced by the image's minimum (METHODS.md §8). */
    public float[] minimumImage(int i) {
        float[] out = new float[items.get(i).input().length];
        java.util.Arrays.fill(out, minimum(i));
        return out;
    }

    /** The smallest value of item i's input. */
    public float minimum(int i) {
        float min = Float.POSITIVE_INFINITY;
        for (float v : items.get(i).input()) min = Math.min(min, v);
        return min;
    }

    /**
     * The method's maps of every item's own input explained for another class, {@code target.applyAsInt(i)},
     * computed once per {@code key} (random logit). Shaped like {@link #perturbed} with one copy per item.
     */
    public Perturbed reexplained(String key, java.util.function.IntUnaryOperator target) {
        if (reexplainer == null) throw new IllegalStateException("no re-explainer in this context");
        return perturbed.computeIfAbsent("target:" + key, k -> {
            int n = items.size();
            List<float[]> inputs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            int[] targets = new int[n];
            for (int i = 0; i < n; i++) {
                inputs.add(items.get(i).input());
                ids.add(items.get(i).id() + "#" + key);
                targets[i] = target.applyAsInt(i);
            }
            float[][] maps = reexplainer.maps(inputs, ids, targets, Variant.SAME);
            float[][][] out = new float[n][1][];
            for (int i = 0; i < n; i++) out[i][0] = heatmapOf(maps[i]);
            return new Perturbed(out, new double[n][1]);
        });
    }

    /**
     * The maps of a {@link Variant} of the method on every item's own input and target (as the method emits them),
     * computed once per variant key for the batch: MPRT's randomised models, fidelity's noise-free base.
     */
    public float[][] variantMaps(Variant variant) {
        if (reexplainer == null) throw new IllegalStateException("no re-explainer in this context");
        return shared("variant:" + variant.key(), () -> {
            List<String> ids = new ArrayList<>();
            int[] targets = new int[items.size()];
            for (int i = 0; i < targets.length; i++) {
                ids.add(items.get(i).id());
                targets[i] = items.get(i).target();
            }
            return reexplainer.maps(inputs(), ids, targets, variant);
        });
    }

    /** The H×W heat map of a map as the method emitted it (signed channel sum). */
    public float[] heatmapOf(float[] map) {
        return heatmap(map, map.length / pixels(), pixels());
    }

    /**
     * The method's raw maps of other inputs, one per item, for the items' own targets, computed once per
     * {@code key} (adversarial retrieval explains x′ for the clean class).
     */
    public float[][] mapsOn(String key, List<float[]> inputs) {
        if (reexplainer == null) throw new IllegalStateException("no re-explainer in this context");
        return shared("on:" + key, () -> {
            List<String> ids = new ArrayList<>();
            int[] targets = new int[items.size()];
            for (int i = 0; i < targets.length; i++) {
                ids.add(items.get(i).id() + "#" + key);
                targets[i] = items.get(i).target();
            }
            return reexplainer.maps(inputs, ids, targets, Variant.SAME);
        });
    }

    /** The scored model (attacks need its gradients). */
    public io.noiselens.model.ClassifierModel model() {
        if (evaluator == null) throw new IllegalStateException("no model in this context");
        return evaluator.model();
    }

    /** The parameters of the scored model (MPRT randomises them layer by layer). */
    public io.noiselens.model.ModelWeights weights() {
        if (evaluator == null) throw new IllegalStateException("no model in this context");
        return evaluator.weights();
    }

    /** A statistic shared by the metrics of this batch, computed by {@code compute} the first time it is asked for. */
    @SuppressWarnings("unchecked")
    public <T> T shared(String key, java.util.function.Supplier<T> compute) {
        // Not computeIfAbsent: a shared statistic may itself read others (retrieval reads re-explained maps).
        Object v = sharedValues.get(key);
        if (v == null) {
            v = compute.get();
            sharedValues.put(key, v);
        }
        return (T) v;
    }

    /**
     * A statistic that does not depend on the scored method, shared by the contexts of all methods of the batch.
     * {@code key} must name everything it depends on besides the batch's images (e.g. the target classes).
     */
    @SuppressWarnings("unchecked")
    public <T> T batchShared(String key, java.util.function.Supplier<T> compute) {
        Object v = batchShared.get(key);
        if (v == null) {
            v = compute.get();
            batchShared.put(key, v);
        }
        return (T) v;
    }

    /** Names the items and their classes, for keys of {@link #batchShared} (methods may score different subsets). */
    public String itemsKey() {
        return shared("itemsKey", () -> {
            StringBuilder sb = new StringBuilder();
            for (Item it : items) sb.append(it.id()).append(':').append(it.target()).append(';');
            return sb.toString();
        });
    }

    /** The items' target classes. */
    public int[] targets() {
        int[] t = new int[items.size()];
        for (int i = 0; i < t.length; i++) t[i] = items.get(i).target();
        return t;
    }

    public long seed() {
        return seed;
    }

    public List<float[]> inputs() {
        List<float[]> x = new ArrayList<>();
        for (Item it : items) x.add(it.input());
        return x;
    }
}
