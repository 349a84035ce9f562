package io.noiselens.model;

import java.util.List;

/**
 * The representation F_ℓ(x) of a model at one named layer (a convolution after its folded BatchNorm, or a dense
 * layer) and vector–Jacobian products ∇ₓ Σ v ⊙ F_ℓ(x), the pieces of DANCE's representation constraint, made by
 * the model's engine ({@link ClassifierModel#probe}). Not thread-safe.
 */
public interface LayerProbe extends AutoCloseable {
    String layer();

    /** Values of F_ℓ per image (C_ℓ·H_ℓ·W_ℓ). */
    int featureSize();

    /** F_ℓ(x) for each input. */
    float[][] features(List<float[]> inputs);

    /** ∇ₓ Σ v_i ⊙ F_ℓ(x_i) for each input x_i and weight vector v_i. */
    float[][] vectorJacobian(List<float[]> inputs, List<float[]> v);

    @Override
    void close();

    /** Equal-length rows laid end to end (a batch, row-major). */
    static float[] concat(List<float[]> rows) {
        int width = rows.isEmpty() ? 0 : rows.get(0).length;
        float[] out = new float[rows.size() * width];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, out, i * width, width);
        return out;
    }

    /** A batch, row-major, split into its {@code n} rows. */
    static float[][] split(float[] flat, int n) {
        int width = flat.length / n;
        float[][] out = new float[n][];
        for (int r = 0; r < n; r++) out[r] = java.util.Arrays.copyOfRange(flat, r * width, (r + 1) * width);
        return out;
    }
}
