package io.noiselens.attribution;

import java.util.Map;

/**
 * Gradient × Input (Shrikumar et al. 2016, METHODS.md §2.2): E(x) = x ⊙ ∇f_c(x). Under input noise the product
 * uses the noisy point, mean_k (x+ε_k) ⊙ g(x+ε_k), as Captum's NoiseTunnel does.
 */
public final class GradientXInput implements BaseExplainer {
    @Override
    public String name() {
        return "gradient_x_input";
    }

    @Override
    public int points() {
        return 1;
    }

    @Override
    public void point(float[] z, float[] baseline, int k, float[] out, int offset) {
        System.arraycopy(z, 0, out, offset, z.length);
    }

    @Override
    public double weight(int k) {
        return 1;
    }

    @Override
    public void finish(float[] z, float[] baseline, float[] g, float[] out) {
        for (int i = 0; i < g.length; i++) out[i] = z[i] * g[i];
    }

    @Override
    public Map<String, Object> params() {
        return Map.of();
    }
}
