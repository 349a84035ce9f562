package io.noiselens.adversarial;

import io.noiselens.attribution.ChannelReduction;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.Preprocessing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The top-k explanation attack of Ghorbani, Abid, Zou, "Interpretation of Neural Networks Is Fragile", AAAI 2019
 * (code {@code InterpretationFragility/utils.py}; METHODS.md §9.2): iterative sign steps that move the simple
 * gradient saliency S = H·W·Σ_c|g| / ΣΣ_c|g| (g the logit gradient of the label) off the original top-k pixels
 * while the predicted label stays. The objective D(x) = Σ_{p ∈ top-k} S_p(x) is differentiated through a softplus
 * copy of the network (ReLU networks have zero second derivatives): ∇D = H·u with u = ∂D/∂g, the Hessian–vector
 * product taken as a central difference of softplus gradients. Each step is x ← Π(x − α·sign ∇D), Π clipping to
 * the ε-ball around x₀ (ε and α given in pixel units, divided by the per-channel std of the normalisation) and to
 * the valid range; the returned input is the label-preserving iterate (on the real model) with the smallest
 * top-k intersection, x₀ itself when none is.
 */
public record ExplanationAttack(int topK, double epsilonPixels, double stepPixels, int iterations, double beta) {
    /** The reference defaults: k = 1000, ε = 8/255, α = 1/255, 100 iterations; softplus β = 10 (our choice). */
    public static ExplanationAttack defaults(int iterations) {
        return new ExplanationAttack(1000, 8 / 255.0, 1 / 255.0, iterations, 10);
    }

    /** k for an H×W image: the configured k, at most 2 % of the pixels (1000 is 2 % of 224²). */
    public int k(int pixels) {
        return Math.max(1, Math.min(topK, pixels / 50));
    }

    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attack", "ghorbani_top_k");
        m.put("top_k", topK + " (at most 2% of the pixels)");
        m.put("epsilon_pixels", epsilonPixels);
        m.put("step_pixels", stepPixels);
        m.put("iterations", iterations);
        m.put("softplus_beta", beta);
        m.put("saliency", "simple gradient of the label's logit");
        return m;
    }

    /** The attacked version of every input (labels: the classes whose saliency is attacked and kept). */
    public List<float[]> attack(ClassifierModel model, List<float[]> inputs, int[] labels, int microBatch) {
        ModelSpec spec = model.spec();
        int n = inputs.size(), plane = spec.height() * spec.width(), k = k(plane);
        Preprocessing pre = spec.preprocessing();
        float[] lo = new float[spec.channels()], hi = new float[spec.channels()], eps = new float[spec.channels()],
                step = new float[spec.channels()];
        for (int c = 0; c < lo.length; c++) {
            lo[c] = pre.normalise(c, 0f);
            hi[c] = pre.normalise(c, 1f);
            float perPixel = pre.normalise(c, 1f) - pre.normalise(c, 0f);
            eps[c] = (float) (epsilonPixels * perPixel);
            step[c] = (float) (stepPixels * perPixel);
        }
        float[][] g0 = Gradients.of(model, inputs, labels, OutputSpace.LOGIT, microBatch);
        boolean[][] top = new boolean[n][];
        for (int i = 0; i < n; i++) top[i] = topK(saliency(g0[i], plane), k);
        List<float[]> x = new ArrayList<>(), best = new ArrayList<>();
        double[] bestScore = new double[n];
        for (int i = 0; i < n; i++) {
            x.add(inputs.get(i).clone());
            best.add(inputs.get(i).clone());
            bestScore[i] = 1;
        }
        try (ClassifierModel smooth = model.smoothed(beta)) {
            for (int it = 0; it < iterations; it++) {
                float[][] g = Gradients.of(smooth, x, labels, OutputSpace.LOGIT, microBatch);
                List<float[]> probes = new ArrayList<>();
                int[] probeLabels = new int[2 * n];
                double[] h = new double[n];
                for (int i = 0; i < n; i++) {
                    float[] u = objectiveGradient(g[i], top[i], plane);
                    double umax = 0;
                    for (float v : u) umax = Math.max(umax, Math.abs(v));
                    h[i] = umax > 0 ? 1e-3 / umax : 0;
                    float[] up = x.get(i).clone(), down = x.get(i).clone();
                    for (int p = 0; p < u.length; p++) {
                        up[p] += (float) (h[i] * u[p]);
                        down[p] -= (float) (h[i] * u[p]);
                    }
                    probes.add(up);
                    probes.add(down);
                    probeLabels[2 * i] = probeLabels[2 * i + 1] = labels[i];
                }
                float[][] gp = Gradients.of(smooth, probes, probeLabels, OutputSpace.LOGIT, microBatch);
                for (int i = 0; i < n; i++) {
                    if (h[i] == 0) continue;
                    float[] xi = x.get(i), x0 = inputs.get(i);
                    for (int p = 0; p < xi.length; p++) {
                        int c = p / plane;
                        double hvp = (gp[2 * i][p] - gp[2 * i + 1][p]) / (2 * h[i]);
                        float v = xi[p] - (float) (step[c] * Math.signum(hvp));
                        v = Math.max(x0[p] - eps[c], Math.min(x0[p] + eps[c], v));
                        xi[p] = Math.max(lo[c], Math.min(hi[c], v));
                    }
                }
                // Keep the label-preserving iterate whose real saliency keeps the fewest original top-k pixels.
                float[][] logits = Gradients.logits(model, x, microBatch);
                float[][] gr = Gradients.of(model, x, labels, OutputSpace.LOGIT, microBatch);
                for (int i = 0; i < n; i++) {
                    if (Gradients.argmax(logits[i]) != labels[i]) continue;
                    double score = intersection(top[i], topK(saliency(gr[i], plane), k), k);
                    if (score < bestScore[i]) {
                        bestScore[i] = score;
                        best.set(i, x.get(i).clone());
                    }
                }
            }
        }
        return best;
    }

    /** Σ_c |g| per pixel, scaled to sum to H·W. */
    static double[] saliency(float[] g, int plane) {
        float[] sum = ChannelReduction.ABS_SUM.apply(g, g.length / plane, plane);
        double[] a = new double[plane];
        double total = 0;
        for (int p = 0; p < plane; p++) total += (a[p] = sum[p]);
        for (int p = 0; p < plane; p++) a[p] = total > 0 ? a[p] * plane / total : 0;
        return a;
    }

    /** ∂D/∂g for D = Σ_{p∈K} S_p: H·W·sign(g)·(1{p∈K}/A − Σ_K a / A²), a = Σ_c|g|, A = Σ a. */
    static float[] objectiveGradient(float[] g, boolean[] top, int plane) {
        double[] a = new double[plane];
        for (int p = 0; p < g.length; p++) a[p % plane] += Math.abs(g[p]);
        double total = 0, inTop = 0;
        for (int p = 0; p < plane; p++) {
            total += a[p];
            if (top[p]) inTop += a[p];
        }
        float[] u = new float[g.length];
        if (total == 0) return u;
        for (int p = 0; p < g.length; p++) {
            int q = p % plane;
            u[p] = (float) (plane * Math.signum(g[p]) * ((top[q] ? 1 : 0) / total - inTop / (total * total)));
        }
        return u;
    }

    /** The k largest values (ties by index). */
    public static boolean[] topK(double[] v, int k) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> {
            int c = Double.compare(v[b], v[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < k; i++) out[idx[i]] = true;
        return out;
    }

    /** |A ∩ B| / k. */
    public static double intersection(boolean[] a, boolean[] b, int k) {
        int n = 0;
        for (int i = 0; i < a.length; i++) if (a[i] && b[i]) n++;
        return n / (double) k;
    }
}
