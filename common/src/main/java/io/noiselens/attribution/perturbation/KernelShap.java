package io.noiselens.attribution.perturbation;

import io.noiselens.attribution.Baseline;
import io.noiselens.random.KeyedRandom;

import java.util.Map;

/**
 * KernelSHAP (Lundberg &amp; Lee, "A Unified Approach to Interpreting Model Predictions", NeurIPS 2017) as Captum's
 * {@code KernelShap} samples and fits it (METHODS-2.md §A.5): the full and the empty coalition first, weighted
 * 10⁶; then coalition sizes k ∈ 1 … M−1 drawn with P(k) ∝ (M−1)/(k(M−k)) and a uniform k-subset, each weighted 1, so
 * that the Shapley kernel π(k) = (M−1)/(C(M,k)·k(M−k)) holds in expectation; φ = the coefficients of the weighted
 * least-squares fit with intercept. For a model linear in the segments' presence, any ≥ M + 1 affinely independent
 * coalitions give the exact Shapley values φ_j = f(x with only j) − f(baseline) summed over the segment.
 */
public final class KernelShap extends CoalitionExplainer {
    /** Captum's weight of the full and empty coalitions. */
    static final double INF_WEIGHT = 1e6;

    public KernelShap(int samples, Segmentation segmentation, Baseline baseline) {
        super(samples, segmentation, baseline);
    }

    @Override
    public String name() {
        return "kernel_shap";
    }

    @Override
    void coalition(long key, int k, int m, boolean[] on) {
        java.util.Arrays.fill(on, k == 0);
        if (k < 2 || m < 2) return;
        // Size by inverse CDF of P(s) ∝ 1/(s(M−s)) (the (M−1) factor cancels), then a partial Fisher–Yates shuffle.
        long base = (long) k * (m + 1);
        double total = 0;
        for (int s = 1; s < m; s++) total += 1.0 / (s * (double) (m - s));
        double u = KeyedRandom.uniform(key, base) * total, acc = 0;
        int size = m - 1;
        for (int s = 1; s < m; s++) {
            acc += 1.0 / (s * (double) (m - s));
            if (u < acc) {
                size = s;
                break;
            }
        }
        int[] order = new int[m];
        for (int j = 0; j < m; j++) order[j] = j;
        for (int j = 0; j < size; j++) {
            int pick = j + (int) (KeyedRandom.uniform(key, base + 1 + j) * (m - j));
            int t = order[j];
            order[j] = order[pick];
            order[pick] = t;
            on[order[j]] = true;
        }
    }

    @Override
    double[] weights(boolean[][] z, float[] point, java.util.function.IntFunction<float[]> inputs) {
        double[] w = new double[z.length];
        for (int k = 0; k < z.length; k++) {
            int size = 0;
            for (boolean b : z[k]) if (b) size++;
            w[k] = size == 0 || size == z[k].length ? INF_WEIGHT : 1;
        }
        return w;
    }

    @Override
    double[] fit(boolean[][] z, double[] scores, double[] weights) {
        return SurrogateFit.leastSquares(z, scores, weights);
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = super.params();
        m.put("inf_weight", INF_WEIGHT);
        m.put("fit", "weighted_least_squares");
        return m;
    }
}
