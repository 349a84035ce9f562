package io.noiselens.attribution;

import io.noiselens.model.ModelSpec;

import java.util.Map;

/**
 * The per-draw explanation φ of the estimator view (DESIGN.md §3): given an input point z it asks the model for
 * rows of one {@link Evaluation} kind — input gradients ({@link PathExplainer}), forward scores (perturbation
 * methods), a layer's activation and gradient (class activation maps) — and turns their results into one map.
 * Sampling plans (SmoothGrad, NoiseGrad, FusionGrad) wrap any base explainer, as Captum's NoiseTunnel wraps an
 * attribution.
 */
public interface BaseExplainer {
    /** Short name recorded as {@code base_method}. */
    String name();

    /** What each row of a draw asks the model for, on a model of {@code spec}. */
    Evaluation evaluation(ModelSpec spec);

    /** A draw at {@code p}: its rows, and the map they make. */
    DrawState start(DrawPoint p);

    /** Channels of the map a draw makes: the input's, or 1 for a spatial map (CAM, RISE). */
    default int mapChannels(ModelSpec spec) {
        return spec.channels();
    }

    /**
     * Whether the draw takes the clean input x as its reference instead of a baseline image (SmoothTaylor's
     * Taylor term evaluates the expansion around the noisy root z at x).
     */
    default boolean anchoredAtInput() {
        return false;
    }

    /** The baseline image this explainer integrates from or perturbs towards, or null. */
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
