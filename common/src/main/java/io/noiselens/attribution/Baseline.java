package io.noiselens.attribution;

import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;

/**
 * The reference input x′ of Integrated Gradients, in model-input space (METHODS.md §1.3): ZERO is all zeros
 * after normalisation (the dataset-mean colour for ImageNet-style normalisers), BLACK is a black image mapped
 * through the normaliser (SmoothTaylor's choice), MEAN is the training set's per-channel mean colour mapped
 * through the normaliser.
 */
public enum Baseline {
    ZERO, BLACK, MEAN;

    /** The baseline image as a C×H×W array in model space. */
    public float[] image(ModelSpec spec) {
        int plane = spec.height() * spec.width();
        float[] out = new float[spec.inputSize()];
        if (this == ZERO) return out;
        Preprocessing p = spec.preprocessing();
        for (int c = 0; c < spec.channels(); c++) {
            float v = p.normalise(c, this == BLACK ? 0f : p.datasetMean()[c]);
            java.util.Arrays.fill(out, c * plane, (c + 1) * plane, v);
        }
        return out;
    }
}
