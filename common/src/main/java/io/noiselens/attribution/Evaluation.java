package io.noiselens.attribution;

import io.noiselens.model.ModifiedGradient;

/**
 * What the engine computes for one row a draw asks for: the input gradient of the explained score (the gradient
 * family), the score alone from a forward pass (perturbation methods), the activation A of a named layer with
 * ∂score/∂A (class activation maps), or the input gradient through the graph built with relevance rules (LRP). Rows
 * of one evaluation are stacked into micro-batches and evaluated by one model call.
 *
 * @param layer       the layer of a {@link Kind#LAYER_GRADIENT} row, resolved by the engine (null: the model's last
 *                    layer with a spatial map, {@link io.noiselens.model.Architectures#lastSpatialLayer})
 * @param gradient the modified Jacobians of a {@link Kind#RELEVANCE} row (LRP's rules, DeepLift's Rescale)
 */
public record Evaluation(Kind kind, String layer, ModifiedGradient gradient) {
    public enum Kind { INPUT_GRADIENT, SCORE, LAYER_GRADIENT, RELEVANCE }

    public static final Evaluation INPUT_GRADIENT = new Evaluation(Kind.INPUT_GRADIENT, null, null);
    public static final Evaluation SCORE = new Evaluation(Kind.SCORE, null, null);

    public static Evaluation layerGradient(String layer) {
        return new Evaluation(Kind.LAYER_GRADIENT, layer, null);
    }

    public static Evaluation relevance(ModifiedGradient g) {
        return new Evaluation(Kind.RELEVANCE, null, g);
    }
}
