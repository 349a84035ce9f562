package io.noiselens.attribution;

import io.noiselens.model.ModelSpec;

/**
 * A base explainer of the gradient family: the input gradient at {@link #points()} path points, combined as the
 * weighted sum G = Σ_k w_k g(point_k) and finished into a map (Gradient, Gradient × Input, Integrated Gradients,
 * the Taylor term). Only the running sum G is held per draw.
 */
public abstract class PathExplainer implements BaseExplainer {
    /** Gradient evaluations per draw. */
    public abstract int points();

    /** Writes path point k for input z (baseline may be null when not needed) into {@code out} at {@code offset}. */
    public abstract void point(float[] z, float[] baseline, int k, float[] out, int offset);

    /** Weight of the gradient at point k in the weighted sum G = Σ_k w_k g(point_k). */
    public abstract double weight(int k);

    /** Writes the draw's map from z, the baseline and G into {@code out}. */
    public abstract void finish(float[] z, float[] baseline, float[] weightedGradient, float[] out);

    @Override
    public final Evaluation evaluation(ModelSpec spec) {
        return Evaluation.INPUT_GRADIENT;
    }

    @Override
    public final DrawState start(DrawPoint p) {
        float[] z = p.z(), reference = p.reference(), gsum = new float[z.length];
        return new DrawState() {
            @Override
            public int rows() {
                return points();
            }

            @Override
            public void row(int k, float[] out, int offset) {
                point(z, reference, k, out, offset);
            }

            @Override
            public void accept(int k, float[] g, int offset, int length) {
                float w = (float) weight(k);
                for (int i = 0; i < gsum.length; i++) gsum[i] += w * g[offset + i];
            }

            @Override
            public void finish(float[] out) {
                PathExplainer.this.finish(z, reference, gsum, out);
            }
        };
    }
}
