package io.noiselens.attribution;

import java.util.Map;

/** Gradient / saliency (Simonyan et al. 2014, METHODS.md §2.1): E(x) = ∇_x f_c(x), signed (Captum abs=False). */
public final class Gradient implements BaseExplainer {
    @Override
    public String name() {
        return "gradient";
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
        System.arraycopy(g, 0, out, 0, g.length);
    }

    @Override
    public Map<String, Object> params() {
        return Map.of();
    }
}
