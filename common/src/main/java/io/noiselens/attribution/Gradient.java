package io.noiselens.attribution;

/** Gradient / saliency (Simonyan et al. 2014, METHODS.md §2.1): E(x) = ∇_x f_c(x), signed (Captum abs=False). */
public final class Gradient extends SinglePointExplainer {
    @Override
    public String name() {
        return "gradient";
    }

    @Override
    public void finish(float[] z, float[] baseline, float[] g, float[] out) {
        System.arraycopy(g, 0, out, 0, g.length);
    }
}
