package io.noiselens.attribution;

/**
 * Gradient × Input (Shrikumar et al. 2016, METHODS.md §2.2): E(x) = x ⊙ ∇f_c(x). Under input noise the product
 * uses the noisy point, mean_k (x+ε_k) ⊙ g(x+ε_k), as Captum's NoiseTunnel does.
 */
public final class GradientXInput extends SinglePointExplainer {
    @Override
    public String name() {
        return "gradient_x_input";
    }

    @Override
    public void finish(float[] z, float[] baseline, float[] g, float[] out) {
        for (int i = 0; i < g.length; i++) out[i] = z[i] * g[i];
    }
}
