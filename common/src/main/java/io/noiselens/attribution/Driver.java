package io.noiselens.attribution;

import java.util.List;
import java.util.Map;

/**
 * A method computed by a search or an optimisation around the engine rather than by one noise plan: SmoothTaylor
 * with adaptive noising, RelEx, DANCE. The engine hands every image of the batch and its target to the method's
 * driver, which asks the engine (and its model) for the gradients it needs, batched.
 */
public interface Driver extends java.io.Serializable {
    /** The driver's name and every setting, defaults explicit, merged into {@code method_params}. */
    Map<String, Object> params();

    /**
     * Whether the method has a noise-free limit that {@link AttributionMethod#denoised()} computes (adaptive noising:
     * SmoothTaylor at σ → 0); optimisations such as RelEx have none, and fidelity error is undefined for them.
     */
    default boolean hasNoiseFreeLimit() {
        return false;
    }

    /** One result per image of the batch ({@link AttributionResult#index()} = image index), for its target. */
    List<AttributionResult> explain(AttributionEngine engine, ExplainBatch batch, AttributionMethod method, int[] targets);
}
