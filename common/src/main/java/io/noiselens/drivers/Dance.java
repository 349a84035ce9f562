package io.noiselens.drivers;

import io.noiselens.attribution.Aggregation;
import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.Driver;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.attribution.NoisePlan;
import io.noiselens.attribution.TargetSource;
import io.noiselens.model.LayerProbe;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DANCE, decoy-enhanced saliency (Lu, Guo, Xing, Noble, "DANCE: Enhancing Saliency Maps Using Decoys", ICML 2021;
 * METHODS.md §6). For every K×K patch on a stride grid and each sign s = ±1, a decoy x̃ differs from x only on the
 * patch (all channels) and maximises ‖((x̃ − x)·s)⁺‖₁ subject to ‖F_ℓ(x̃) − F_ℓ(x)‖_∞ ≤ ε and the valid input
 * range. The solver is the penalty form METHODS.md suggests (the paper's appendix solver is not public):
 * projected gradient steps of size α on the patch, ascending s − λ·Jᵀ(2·max(0, |ΔF| − ε)·sign ΔF), λ doubling
 * while the constraint is violated; then the decoy is scaled back (halving, at most 10 times, else x itself)
 * until the constraint holds exactly, and its validity is recorded. ε is relative to the layer's scale:
 * ε·max|F_ℓ(x)|. The base explainer maps every decoy for the explained class and the map is the per-feature range
 * max_j E(x̃ʲ) − min_j E(x̃ʲ) over the 2n decoys. An image's decoys are optimised in chunks sized to the memory
 * budget, one batched forward and one batched vector–Jacobian product per step, and reduced as they are explained.
 *
 * <p>Open choices, recorded with each map: layer ℓ (default the first layer), K = 3, stride = K (the paper slides
 * the patch; a stride of 1 costs ~H·W decoys per image), ε = 0.1, 20 steps of α = 0.05 (model-input units),
 * λ₀ = 1.
 */
public record Dance(String layer, int patch, int stride, double epsilon, int iterations, double stepSize)
        implements Driver {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Dance.class);

    public static Dance defaults() {
        return new Dance(null, 3, 3, 0.1, 20, 0.05);
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("driver", "dance");
        m.put("dance_layer", layer == null ? "first layer" : layer);
        m.put("dance_patch", patch);
        m.put("dance_stride", stride);
        m.put("dance_epsilon", epsilon);
        m.put("dance_epsilon_scale", "max |F_l(x)|");
        m.put("dance_iterations", iterations);
        m.put("dance_step", stepSize);
        m.put("dance_lambda_init", 1.0);
        m.put("dance_aggregation", "range over decoys");
        return m;
    }

    /** The decoys of one image: inputs, whether each satisfies its constraint, and their count. */
    public record Decoys(List<float[]> inputs, boolean[] valid, double epsilonAbs) {}

    /**
     * Streams each image's decoys in chunks sized to the engine's memory budget: a chunk is optimised, explained by
     * the base explainer and folded into the running per-feature maximum and minimum, then dropped. Each decoy's
     * optimisation is independent of the others, so the chunking changes nothing but the memory: one chunk's
     * decoys, their features and gradients, and one map per image (a 224×224 image has 10 952 decoys at the
     * default patch and stride; all at once would be 6.6 GB of inputs alone).
     */
    @Override
    public List<AttributionResult> explain(AttributionEngine engine, ExplainBatch batch, AttributionMethod method,
                                           int[] targets) {
        NoisePlan none = NoisePlan.none();
        AttributionMethod base = method.withDriver(null).withTarget(TargetSource.LABEL)
                .withPlan(new NoisePlan(1, none.weightNoise(), 1, none.inputNoise(), Aggregation.MEAN))
                .withChannelReduction(io.noiselens.attribution.ChannelReduction.NONE);
        ModelSpec spec = engine.model().spec();
        List<AttributionResult> out = new ArrayList<>();
        try (LayerProbe probe = probe(engine)) {
            int chunk = rowsPerChunk(engine, probe);
            List<int[]> rows = rows(spec);
            for (int b = 0; b < batch.size(); b++) {
                float[] x = batch.inputs().get(b);
                float[] clean = probe.features(List.of(x))[0];
                double eps = epsilonAbs(clean);
                float[] max = null, min = null;
                int valid = 0;
                long started = System.nanoTime(), logged = started;
                for (int from = 0; from < rows.size(); from += chunk) {
                    long now = System.nanoTime();
                    if (now - logged > 30_000_000_000L && from > 0) {
                        // An image's decoys can take an hour on a CPU (10 952 at 224×224): say how far it has got.
                        double rate = from / ((now - started) / 1e9);
                        LOG.info("DANCE on image {}: {}/{} decoys, {} decoys/s, about {} s left", batch.ids().get(b),
                                from, rows.size(), String.format("%.1f", rate),
                                String.format("%.0f", (rows.size() - from) / rate));
                        logged = now;
                    }
                    List<int[]> part = rows.subList(from, Math.min(rows.size(), from + chunk));
                    Decoys d = optimise(probe, spec, x, clean, eps, part);
                    for (boolean v : d.valid()) if (v) valid++;
                    List<String> ids = new ArrayList<>();
                    int[] t = new int[part.size()];
                    for (int j = 0; j < t.length; j++) {
                        ids.add(batch.ids().get(b) + "#decoy" + (from + j));
                        t[j] = targets[b];
                    }
                    for (AttributionResult r : engine.explain(new ExplainBatch(ids, d.inputs(), t), List.of(base)).results()) {
                        float[] m = r.map();
                        if (max == null) {
                            max = m.clone();
                            min = m.clone();
                        }
                        for (int k = 0; k < m.length; k++) {
                            max[k] = Math.max(max[k], m[k]);
                            min[k] = Math.min(min[k], m[k]);
                        }
                    }
                }
                float[] range = new float[max.length];
                for (int k = 0; k < range.length; k++) range[k] = max[k] - min[k];
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("decoys", rows.size());
                details.put("valid_decoys", valid);
                details.put("dance_epsilon_abs", eps);
                out.add(engine.result(b, method, targets[b], range, (long) rows.size() * (iterations + 1))
                        .withDetails(details));
            }
        }
        return out;
    }

    /**
     * Decoys per chunk: the engine's micro-batch (rows per model call, itself capped by the memory budget), and no
     * more than the budget holds of decoy state. Per decoy, measured by where the copies live: at the layer its
     * features (native output, the drained copy, the per-decoy copy), the penalty weights (Java, stacked, native) and
     * the probe's gradient at the layer, 7 feature-sized arrays; at the input the decoy, its step, the stacked and
     * native copies, the vector–Jacobian product and its drained copy, 6 input-sized arrays. Chunks larger than a
     * micro-batch only cost memory: the demo model's 882 decoys per image ran 1.7× slower in chunks of 480 than of 64.
     */
    static int rowsPerChunk(AttributionEngine engine, LayerProbe probe) {
        long bytesPerRow = 4L * (6L * engine.model().spec().inputSize() + 7L * probe.featureSize());
        return (int) Math.max(1, Math.min(engine.microBatch(), engine.options().memoryBudgetBytes() / bytesPerRow));
    }

    private LayerProbe probe(AttributionEngine engine) {
        ModelSpec spec = engine.model().spec();
        return engine.model().probe(layer != null ? layer : io.noiselens.model.Architectures.layerNames(spec).get(0));
    }

    private double epsilonAbs(float[] clean) {
        double m = 0;
        for (float v : clean) m = Math.max(m, Math.abs(v));
        return epsilon * m;
    }

    /** One row per (patch, sign): {y, x, sign}, patches on the stride grid in row-major order. */
    private List<int[]> rows(ModelSpec spec) {
        List<int[]> rows = new ArrayList<>();
        for (int y = 0; y + patch <= spec.height(); y += stride) {
            for (int x = 0; x + patch <= spec.width(); x += stride) {
                rows.add(new int[]{y, x, 1});
                rows.add(new int[]{y, x, -1});
            }
        }
        return rows;
    }

    /** Every decoy of every input, materialised (for inspection and tests; {@link #explain} streams them). */
    public List<Decoys> decoys(AttributionEngine engine, List<float[]> inputs) {
        List<Decoys> out = new ArrayList<>();
        try (LayerProbe probe = probe(engine)) {
            for (float[] x : inputs) {
                float[] clean = probe.features(List.of(x))[0];
                double eps = epsilonAbs(clean);
                out.add(optimise(probe, engine.model().spec(), x, clean, eps, rows(engine.model().spec())));
            }
        }
        return out;
    }

    /** The decoys of {@code rows} of one input, optimised together. */
    private Decoys optimise(LayerProbe probe, ModelSpec spec, float[] x0, float[] clean, double eps, List<int[]> rows) {
        int c = spec.channels(), h = spec.height(), w = spec.width(), plane = h * w;
        Preprocessing pre = spec.preprocessing();
        float[] lo = new float[c], hi = new float[c];
        for (int ch = 0; ch < c; ch++) {
            lo[ch] = pre.normalise(ch, 0f);
            hi[ch] = pre.normalise(ch, 1f);
        }
        int n = rows.size();
        List<float[]> current = new ArrayList<>();
        for (int j = 0; j < n; j++) current.add(x0.clone());
        double[] lambda = new double[n];
        java.util.Arrays.fill(lambda, 1.0);
        for (int it = 0; it < iterations; it++) {
            float[][] f = probe.features(current);
            List<float[]> v = new ArrayList<>();
            boolean[] violated = new boolean[n];
            for (int j = 0; j < n; j++) {
                float[] vj = new float[clean.length];
                for (int k = 0; k < clean.length; k++) {
                    double d = f[j][k] - clean[k], over = Math.abs(d) - eps;
                    if (over > 0) {
                        vj[k] = (float) (2 * lambda[j] * over * Math.signum(d));
                        violated[j] = true;
                    }
                }
                v.add(vj);
            }
            f = null; // the chunk's features may be collected before the product allocates its own
            float[][] jv = probe.vectorJacobian(current, v);
            for (int j = 0; j < n; j++) {
                int[] r = rows.get(j);
                float[] xj = current.get(j);
                for (int ch = 0; ch < c; ch++) {
                    for (int y = r[0]; y < r[0] + patch; y++) {
                        for (int x = r[1]; x < r[1] + patch; x++) {
                            int k = ch * plane + y * w + x;
                            double step = stepSize * (r[2] - jv[j][k]);
                            xj[k] = (float) Math.max(lo[ch], Math.min(hi[ch], xj[k] + step));
                        }
                    }
                }
                if (violated[j]) lambda[j] *= 2;
            }
        }
        return new Decoys(current, settle(probe, x0, current, clean, eps), eps);
    }

    /**
     * Scales each decoy's change back by halves until its constraint holds (the clean input always does); returns
     * whether each final decoy satisfies it with a change left.
     */
    private static boolean[] settle(LayerProbe probe, float[] x0, List<float[]> current, float[] clean, double eps) {
        int n = current.size();
        boolean[] done = new boolean[n], valid = new boolean[n];
        for (int round = 0; round <= 10; round++) {
            List<Integer> open = new ArrayList<>();
            for (int j = 0; j < n; j++) if (!done[j]) open.add(j);
            if (open.isEmpty()) break;
            List<float[]> xs = new ArrayList<>();
            for (int j : open) xs.add(current.get(j));
            float[][] f = probe.features(xs);
            for (int o = 0; o < open.size(); o++) {
                int j = open.get(o);
                double worst = 0;
                for (int k = 0; k < f[o].length; k++) worst = Math.max(worst, Math.abs(f[o][k] - clean[k]));
                if (worst <= eps) {
                    done[j] = true;
                    valid[j] = true;
                } else if (round == 10) {
                    current.set(j, x0.clone());
                    done[j] = true;
                } else {
                    float[] xj = current.get(j);
                    for (int k = 0; k < xj.length; k++) xj[k] = x0[k] + (xj[k] - x0[k]) / 2;
                }
            }
        }
        return valid;
    }
}
