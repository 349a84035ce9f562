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
 * max_j E(x̃ʲ) − min_j E(x̃ʲ) over the 2n decoys. Every decoy of every image of the batch is optimised together,
 * one batched forward and one batched vector–Jacobian product per step.
 *
 * <p>Open choices, recorded with each map: layer ℓ (default the first layer), K = 3, stride = K (the paper slides
 * the patch; a stride of 1 costs ~H·W decoys per image), ε = 0.1, 20 steps of α = 0.05 (model-input units),
 * λ₀ = 1.
 */
public record Dance(String layer, int patch, int stride, double epsilon, int iterations, double stepSize)
        implements Driver {
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

    @Override
    public List<AttributionResult> explain(AttributionEngine engine, ExplainBatch batch, AttributionMethod method,
                                           int[] targets) {
        List<Decoys> all = decoys(engine, batch.inputs());
        NoisePlan none = NoisePlan.none();
        AttributionMethod base = method.withDriver(null).withTarget(TargetSource.LABEL)
                .withPlan(new NoisePlan(1, none.weightNoise(), 1, none.inputNoise(), Aggregation.MEAN));
        List<AttributionResult> out = new ArrayList<>();
        for (int b = 0; b < batch.size(); b++) {
            Decoys d = all.get(b);
            List<String> ids = new ArrayList<>();
            int[] t = new int[d.inputs().size()];
            for (int j = 0; j < t.length; j++) {
                ids.add(batch.ids().get(b) + "#decoy" + j);
                t[j] = targets[b];
            }
            float[] max = null, min = null;
            for (AttributionResult r : engine.explain(new ExplainBatch(ids, d.inputs(), t), List.of(base.withChannelReduction(io.noiselens.attribution.ChannelReduction.NONE)))
                    .results()) {
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
            float[] range = new float[max.length];
            for (int k = 0; k < range.length; k++) range[k] = max[k] - min[k];
            int valid = 0;
            for (boolean v : d.valid()) if (v) valid++;
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("decoys", d.inputs().size());
            details.put("valid_decoys", valid);
            details.put("dance_epsilon_abs", d.epsilonAbs());
            out.add(engine.result(b, method, targets[b], range, (long) d.inputs().size() * (iterations + 1))
                    .withDetails(details));
        }
        return out;
    }

    /** The 2n decoys of every input (n patches × two signs), optimised together. */
    public List<Decoys> decoys(AttributionEngine engine, List<float[]> inputs) {
        ModelSpec spec = engine.model().spec();
        int c = spec.channels(), h = spec.height(), w = spec.width(), plane = h * w;
        try (LayerProbe probe = new LayerProbe(spec, engine.model().weights(),
                layer != null ? layer : io.noiselens.model.Architectures.layerNames(spec).get(0))) {
            float[][] clean = probe.features(inputs);
            double[] eps = new double[inputs.size()];
            for (int b = 0; b < eps.length; b++) {
                double m = 0;
                for (float v : clean[b]) m = Math.max(m, Math.abs(v));
                eps[b] = epsilon * m;
            }
            // One row per (image, patch, sign).
            List<int[]> rows = new ArrayList<>();
            for (int b = 0; b < inputs.size(); b++) {
                for (int y = 0; y + patch <= h; y += stride) {
                    for (int x = 0; x + patch <= w; x += stride) {
                        rows.add(new int[]{b, y, x, 1});
                        rows.add(new int[]{b, y, x, -1});
                    }
                }
            }
            Preprocessing pre = spec.preprocessing();
            float[] lo = new float[c], hi = new float[c];
            for (int ch = 0; ch < c; ch++) {
                lo[ch] = pre.normalise(ch, 0f);
                hi[ch] = pre.normalise(ch, 1f);
            }
            int n = rows.size();
            List<float[]> current = new ArrayList<>();
            for (int[] r : rows) current.add(inputs.get(r[0]).clone());
            double[] lambda = new double[n];
            java.util.Arrays.fill(lambda, 1.0);
            for (int it = 0; it < iterations; it++) {
                float[][] f = probe.features(current);
                List<float[]> v = new ArrayList<>();
                boolean[] violated = new boolean[n];
                for (int j = 0; j < n; j++) {
                    float[] cf = clean[rows.get(j)[0]], vj = new float[cf.length];
                    double e = eps[rows.get(j)[0]];
                    for (int k = 0; k < cf.length; k++) {
                        double d = f[j][k] - cf[k], over = Math.abs(d) - e;
                        if (over > 0) {
                            vj[k] = (float) (2 * lambda[j] * over * Math.signum(d));
                            violated[j] = true;
                        }
                    }
                    v.add(vj);
                }
                float[][] jv = probe.vectorJacobian(current, v);
                for (int j = 0; j < n; j++) {
                    int[] r = rows.get(j);
                    float[] x0 = inputs.get(r[0]), xj = current.get(j);
                    for (int ch = 0; ch < c; ch++) {
                        for (int y = r[1]; y < r[1] + patch; y++) {
                            for (int x = r[2]; x < r[2] + patch; x++) {
                                int k = ch * plane + y * w + x;
                                double step = stepSize * (r[3] - jv[j][k]);
                                xj[k] = (float) Math.max(lo[ch], Math.min(hi[ch], xj[k] + step));
                            }
                        }
                    }
                    if (violated[j]) lambda[j] *= 2;
                }
            }
            boolean[] valid = settle(probe, inputs, rows, current, clean, eps);
            List<Decoys> out = new ArrayList<>();
            for (int b = 0; b < inputs.size(); b++) {
                List<float[]> mine = new ArrayList<>();
                List<Boolean> ok = new ArrayList<>();
                for (int j = 0; j < n; j++) {
                    if (rows.get(j)[0] != b) continue;
                    mine.add(current.get(j));
                    ok.add(valid[j]);
                }
                boolean[] okArr = new boolean[ok.size()];
                for (int j = 0; j < okArr.length; j++) okArr[j] = ok.get(j);
                out.add(new Decoys(mine, okArr, eps[b]));
            }
            return out;
        }
    }

    /**
     * Scales each decoy's change back by halves until its constraint holds (the clean input always does); returns
     * whether each final decoy satisfies it with a change left.
     */
    private static boolean[] settle(LayerProbe probe, List<float[]> inputs, List<int[]> rows, List<float[]> current,
                                    float[][] clean, double[] eps) {
        int n = rows.size();
        boolean[] done = new boolean[n], valid = new boolean[n];
        for (int round = 0; round <= 10; round++) {
            List<Integer> open = new ArrayList<>();
            for (int j = 0; j < n; j++) if (!done[j]) open.add(j);
            if (open.isEmpty()) break;
            List<float[]> xs = new ArrayList<>();
            for (int j : open) xs.add(current.get(j));
            float[][] f = probe.features(xs);
            for (int o = 0; o < open.size(); o++) {
                int j = open.get(o), b = rows.get(j)[0];
                double worst = 0;
                for (int k = 0; k < f[o].length; k++) worst = Math.max(worst, Math.abs(f[o][k] - clean[b][k]));
                if (worst <= eps[b]) {
                    done[j] = true;
                    valid[j] = true;
                } else if (round == 10) {
                    current.set(j, inputs.get(b).clone());
                    done[j] = true;
                } else {
                    float[] x0 = inputs.get(b), xj = current.get(j);
                    for (int k = 0; k < xj.length; k++) xj[k] = x0[k] + (xj[k] - x0[k]) / 2;
                }
            }
        }
        return valid;
    }
}
