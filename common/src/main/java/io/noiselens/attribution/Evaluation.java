package io.noiselens.attribution;

/**
 * What the engine computes for one row a draw asks for: the input gradient of the explained score (the gradient
 * family), the score alone from a forward pass (perturbation methods), or the activation A of a named layer with
 * ∂score/∂A (class activation maps). Rows of one kind are stacked into micro-batches and evaluated by one model call.
 *
 * @param layer the layer of a {@link Kind#LAYER_GRADIENT} row, resolved by the engine (null: the model's last layer
 *              with a spatial map, {@link io.noiselens.model.ClassifierModel#spatialLayers()})
 */
public record Evaluation(Kind kind, String layer) {
    public enum Kind { INPUT_GRADIENT, SCORE, LAYER_GRADIENT }

    public static final Evaluation INPUT_GRADIENT = new Evaluation(Kind.INPUT_GRADIENT, null);
    public static final Evaluation SCORE = new Evaluation(Kind.SCORE, null);

    public static Evaluation layerGradient(String layer) {
        return new Evaluation(Kind.LAYER_GRADIENT, layer);
    }
}
