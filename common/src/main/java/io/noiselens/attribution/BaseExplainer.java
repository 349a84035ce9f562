package io.noiselens.attribution;

import java.util.Map;

/**
 * The per-draw explanation φ of the estimator view (DESIGN.md §3): given an input point z it asks for the
 * gradient at {@link #points()} path points and combines their weighted sum into one map. Sampling plans
 * (SmoothGrad, NoiseGrad, FusionGrad) wrap a base explainer, as Captum's NoiseTunnel wraps an attribution.
 */
public interface BaseExplainer {
    /** Short name recorded as {@code base_method}. */
    String name();

    /** Gradient evaluations per draw. */
    int points();

    /** Writes path point k for input z (baseline may be null when not needed) into {@code out} at {@code offset}. */
    void point(float[] z, float[] baseline, int k, float[] out, int offset);

    /** Weight of the gradient at point k in the weighted sum G = Σ_k w_k g(point_k). */
    double weight(int k);

    /** Writes the draw's map from z, the baseline and G into {@code out}. */
    void finish(float[] z, float[] baseline, float[] weightedGradient, float[] out);

    /**
     * Whether {@link #finish} takes the clean input x as its reference instead of a baseline image (SmoothTaylor's
     * Taylor term evaluates the expansion around the noisy root z at x).
     */
    default boolean anchoredAtInput() {
        return false;
    }

    /** The baseline this explainer integrates from, or null. */
    default Baseline baseline() {
        return null;
    }

    /** Whether Σ map ≈ f(z) − f(baseline) holds (completeness), so a convergence delta is meaningful. */
    default boolean complete() {
        return false;
    }

    /** Every parameter, with defaults made explicit, for the {@code method_params} column. */
    Map<String, Object> params();
}
