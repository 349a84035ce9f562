package io.noiselens.attribution;

/**
 * The first-order Taylor term of SmoothTaylor (Goh, Lapuschkin, Weber, Samek, Binder, "Understanding Integrated
 * Gradients with SmoothTaylor for Deep Neural Network Attribution", ICPR 2020; METHODS.md §5.1): expanding f_c
 * around a root z and evaluating at x gives the per-feature terms (x − z) ⊙ ∇f_c(z). Under the SmoothTaylor plan
 * the roots are z_i = x + σε_i and the map is their mean, R(x) = (1/N) Σ (x − z_i) ⊙ ∇f_c(z_i): the same multiplier
 * form as Integrated Gradients, with roots around x instead of on the path from a baseline. The engine passes the
 * clean input x as this explainer's reference ({@link #anchoredAtInput()}).
 */
public final class TaylorTerm extends SinglePointExplainer {
    @Override
    public String name() {
        return "taylor";
    }

    @Override
    public boolean anchoredAtInput() {
        return true;
    }

    @Override
    public void finish(float[] z, float[] x, float[] g, float[] out) {
        for (int i = 0; i < g.length; i++) out[i] = (x[i] - z[i]) * g[i];
    }
}
