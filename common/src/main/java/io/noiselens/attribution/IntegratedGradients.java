package io.noiselens.attribution;

import java.util.Map;

/**
 * Integrated Gradients (Sundararajan, Taly, Yan, ICML 2017, METHODS.md §2.3):
 * IG(x) = (x − x′) ⊙ ∫₀¹ ∇f_c(x′ + α(x − x′)) dα ≈ (x − x′) ⊙ Σ_k w_k ∇f_c(x′ + α_k(x − x′)).
 * Completeness: Σ_i IG_i ≈ f_c(x) − f_c(x′); the engine stores the convergence delta.
 */
public final class IntegratedGradients extends PathExplainer {
    private final int steps;
    private final Quadrature quadrature;
    private final Baseline baseline;
    private final double[] alphas;
    private final double[] weights;

    public IntegratedGradients(int steps, Quadrature quadrature, Baseline baseline) {
        this.steps = steps;
        this.quadrature = quadrature;
        this.baseline = baseline;
        double[][] rule = quadrature.rule(steps);
        this.alphas = rule[0];
        this.weights = rule[1];
    }

    @Override
    public String name() {
        return "integrated_gradients";
    }

    @Override
    public int points() {
        return steps;
    }

    @Override
    public void point(float[] z, float[] b, int k, float[] out, int offset) {
        float a = (float) alphas[k];
        for (int i = 0; i < z.length; i++) out[offset + i] = b[i] + a * (z[i] - b[i]);
    }

    @Override
    public double weight(int k) {
        return weights[k];
    }

    @Override
    public void finish(float[] z, float[] b, float[] g, float[] out) {
        for (int i = 0; i < g.length; i++) out[i] = (z[i] - b[i]) * g[i];
    }

    @Override
    public Baseline baseline() {
        return baseline;
    }

    @Override
    public boolean complete() {
        return true;
    }

    @Override
    public Map<String, Object> params() {
        // Ordered: Map.of iterates in an order salted per JVM, so method_params' JSON differed between re-runs.
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("ig_steps", steps);
        m.put("ig_quadrature", quadrature.name().toLowerCase());
        m.put("baseline", baseline.name().toLowerCase());
        return m;
    }
}
