package io.noiselens.attribution.propagation;

import io.noiselens.lang.Errors;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.onnx.OnnxArchitecture;

/** What the propagation methods share. */
final class Propagations {
    private Propagations() {}

    /**
     * Refuses a graph with the general (transformer) operators: the rules are written into convolutions, dense layers
     * and elementwise nonlinearities, and attention's products, softmax and LayerNorm's division would pass gradients
     * unmodified — a map that is neither LRP nor DeepLift.
     */
    static void requireCnn(ModelSpec spec, String method) {
        if (spec.network() instanceof OnnxArchitecture a && a.needsGeneralOperators()) {
            throw Errors.invalidValue("methods.kind", method.toLowerCase(java.util.Locale.ROOT), method + "'s rules cover "
                    + "convolutional networks; " + spec.architecture() + " uses attention, LayerNorm or other general "
                    + "operators that have none here. Explain it with gradcam (at a block), occlusion, rise, kernel_shap, "
                    + "lime or the gradient family.");
        }
    }
}
