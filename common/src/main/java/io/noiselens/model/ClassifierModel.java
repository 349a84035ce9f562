package io.noiselens.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An image classifier as attribution needs it: logits for a batch, the input gradient of a chosen class score
 * per image, and a parameter view that weight-noise replicas perturb. Not thread-safe: one instance per thread.
 */
public interface ClassifierModel extends AutoCloseable {
    ModelSpec spec();

    /** Logits [n, classes] for inputs [n, C, H, W] in model space. */
    INDArray logits(INDArray input);

    /**
     * ∂ score_i / ∂ input_i for each row i, where score_i is the logit or the softmax probability of class
     * {@code targets[i]} as {@code spaces[i]} says. Rows are independent, so one call may mix output spaces.
     */
    INDArray inputGradients(INDArray input, int[] targets, OutputSpace[] spaces);

    /** The logits and the input gradients of one pass (models that compute both at once override this). */
    default Pass logitsAndInputGradients(INDArray input, int[] targets, OutputSpace[] spaces) {
        return new Pass(logits(input), inputGradients(input, targets, spaces));
    }

    /** Logits [n, classes] and input gradients [n, C, H, W] of the same inputs. */
    record Pass(INDArray logits, INDArray gradients) {}

    /**
     * The activation A of {@code layer} (a name of {@link io.noiselens.model.Architectures#layerShape}) and
     * ∂ score_i / ∂A_i per row, the score as in {@link #inputGradients}: what class activation maps weigh.
     */
    LayerGradients layerGradients(String layer, INDArray input, int[] targets, OutputSpace[] spaces);

    /** Per row, a layer's activation and the gradient of the row's score with respect to it (C·H·W values each). */
    record LayerGradients(float[][] activations, float[][] gradients) {}

    /**
     * ∂ score_i / ∂ input_i through this model's graph built with the modified Jacobians {@code g}, with the current
     * weights: the LRP relevance of every input element ({@link Propagation}) or DeepLift's multipliers
     * ({@link Rescale}). The explained score should be a logit.
     */
    INDArray relevance(ModifiedGradient g, INDArray input, int[] targets, OutputSpace[] spaces);

    /** The parameter view currently in use. */
    ModelWeights weights();

    /** Replaces the parameters (a replica, or the clean weights back). */
    void setWeights(ModelWeights weights);

    /** A probe of this model's representation at the named layer, with its current weights. */
    LayerProbe probe(String layer);

    /**
     * A new model on the same engine with the current weights and every ReLU replaced by softplus of sharpness β:
     * the smooth surrogate through which explanation attacks differentiate the gradient (Ghorbani et al. 2019,
     * METHODS.md §9.2). The caller closes it.
     */
    ClassifierModel smoothed(double beta);

    /** Floats of activations one image needs in a forward pass; the micro-batch memory estimate builds on it. */
    long activationFloatsPerImage();

    @Override
    void close();
}
