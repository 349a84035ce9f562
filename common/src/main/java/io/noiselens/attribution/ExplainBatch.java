package io.noiselens.attribution;

import java.util.List;

/**
 * A batch of preprocessed images for the engine: ids (which key their noise streams), model-space C×H×W inputs,
 * and labels (−1 where unknown).
 */
public record ExplainBatch(List<String> ids, List<float[]> inputs, int[] labels) {
    public ExplainBatch {
        if (ids.size() != inputs.size() || ids.size() != labels.length) {
            throw new IllegalArgumentException("Batch parts differ in size: " + ids.size() + " ids, "
                    + inputs.size() + " inputs, " + labels.length + " labels");
        }
    }

    public int size() {
        return ids.size();
    }
}
