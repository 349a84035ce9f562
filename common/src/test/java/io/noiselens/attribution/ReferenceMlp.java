package io.noiselens.attribution;

import io.noiselens.model.ModelWeights;
import io.noiselens.model.OutputSpace;

/**
 * Closed-form float64 forward pass and input gradient of the {@code linear} and {@code mlp} architectures:
 * logits = W2ᵀ relu(W1ᵀx + b1) + b2 (or Wᵀx + b), ∂logit_c/∂x = W1 (1[h>0] ⊙ W2[:, c]), and for the
 * probability ∂p_c/∂x = Σ_k p_c (δ_ck − p_k) ∂logit_k/∂x. The independent oracle for the method tests.
 */
final class ReferenceMlp {
    private ReferenceMlp() {}

    static double[] logits(ModelWeights w, float[] x) {
        double[] h = hidden(w, x);
        return affine(w.get("fc.weight").data(), w.get("fc.bias").data(), h);
    }

    static double[] gradient(ModelWeights w, float[] x, int c, OutputSpace space) {
        if (space == OutputSpace.LOGIT) return logitGradient(w, x, c);
        double[] l = logits(w, x);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : l) max = Math.max(max, v);
        double[] p = new double[l.length];
        for (int k = 0; k < l.length; k++) sum += (p[k] = Math.exp(l[k] - max));
        for (int k = 0; k < l.length; k++) p[k] /= sum;
        double[] g = new double[x.length];
        for (int k = 0; k < l.length; k++) {
            // ∂p_c/∂l_k = p_c(δ_kc − p_k); ∂log p_c/∂l_k = δ_kc − p_k.
            double coef = (space == OutputSpace.PROBABILITY ? p[c] : 1) * ((k == c ? 1 : 0) - p[k]);
            double[] gk = logitGradient(w, x, k);
            for (int i = 0; i < g.length; i++) g[i] += coef * gk[i];
        }
        return g;
    }

    private static double[] logitGradient(ModelWeights w, float[] x, int c) {
        float[] fc = w.get("fc.weight").data();
        int classes = w.get("fc.bias").size();
        if (!w.contains("hidden.weight")) {
            double[] g = new double[x.length];
            for (int i = 0; i < x.length; i++) g[i] = fc[i * classes + c];
            return g;
        }
        float[] w1 = w.get("hidden.weight").data();
        int hid = w.get("hidden.bias").size();
        double[] h = hidden(w, x);
        double[] g = new double[x.length];
        for (int j = 0; j < hid; j++) {
            if (h[j] <= 0) continue;
            double v = fc[j * classes + c];
            for (int i = 0; i < x.length; i++) g[i] += w1[i * hid + j] * v;
        }
        return g;
    }

    private static double[] hidden(ModelWeights w, float[] x) {
        double[] in = new double[x.length];
        for (int i = 0; i < x.length; i++) in[i] = x[i];
        if (!w.contains("hidden.weight")) return in;
        double[] h = affine(w.get("hidden.weight").data(), w.get("hidden.bias").data(), in);
        for (int j = 0; j < h.length; j++) h[j] = Math.max(0, h[j]);
        return h;
    }

    private static double[] affine(float[] weight, float[] bias, double[] in) {
        int out = bias.length;
        double[] y = new double[out];
        for (int j = 0; j < out; j++) y[j] = bias[j];
        for (int i = 0; i < in.length; i++) {
            for (int j = 0; j < out; j++) y[j] += in[i] * weight[i * out + j];
        }
        return y;
    }
}
