package io.noiselens.noise;

import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * The guard against destroyed replicas (METHODS.md §3.4, §13.2): how many images of an evaluation subset the
 * clean model and each NoiseGrad replica θ ⊙ N(1, σ_w²) classify correctly. Replica i is the same one the engine
 * uses for σ_w and i, so accuracy drops can be read next to the maps they explain.
 */
public final class ReplicaAccuracy {
    private ReplicaAccuracy() {}

    /**
     * Correct predictions on {@code inputs}: index 0 for the clean weights, index 1 + i for replica i. The model's
     * clean weights are restored afterwards.
     */
    public static long[] correct(ClassifierModel model, List<float[]> inputs, int[] labels, WeightNoise noise,
                                 int replicas, long runSeed, int microBatch) {
        ModelWeights clean = model.weights();
        long[] out = new long[replicas + 1];
        try {
            for (int r = 0; r <= replicas; r++) {
                model.setWeights(r == 0 ? clean : noise.replica(clean, runSeed, r - 1));
                out[r] = correct(model, inputs, labels, microBatch);
            }
        } finally {
            model.setWeights(clean);
        }
        return out;
    }

    private static long correct(ClassifierModel model, List<float[]> inputs, int[] labels, int microBatch) {
        ModelSpec spec = model.spec();
        int size = spec.inputSize();
        long hits = 0;
        for (int start = 0; start < inputs.size(); start += microBatch) {
            int rows = Math.min(microBatch, inputs.size() - start);
            float[] buf = new float[rows * size];
            for (int r = 0; r < rows; r++) System.arraycopy(inputs.get(start + r), 0, buf, r * size, size);
            INDArray input = io.noiselens.model.NativeArrays.of(buf, rows, spec.channels(), spec.height(), spec.width());
            float[] logits = io.noiselens.model.NativeArrays.drainFloats(model.logits(input));
            io.noiselens.model.NativeArrays.close(input);
            int k = spec.numClasses();
            for (int r = 0; r < rows; r++) {
                int best = 0;
                for (int c = 1; c < k; c++) if (logits[r * k + c] > logits[r * k + best]) best = c;
                if (best == labels[start + r]) hits++;
            }
        }
        return hits;
    }
}
