package io.noiselens.adversarial;

import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.NativeArrays;
import io.noiselens.model.OutputSpace;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/** Input gradients of many inputs in micro-batches: one call per micro-batch, never one per input. */
public final class Gradients {
    private Gradients() {}

    /** ∂ space(class targets[i]) / ∂ inputs[i] for every input. */
    public static float[][] of(ClassifierModel model, List<float[]> inputs, int[] targets, OutputSpace space, int microBatch) {
        OutputSpace[] spaces = new OutputSpace[inputs.size()];
        Arrays.fill(spaces, space);
        return of(model, inputs, targets, spaces, microBatch);
    }

    /** ∂ spaces[i](class targets[i]) / ∂ inputs[i] for every input; rows may mix output spaces. */
    public static float[][] of(ClassifierModel model, List<float[]> inputs, int[] targets, OutputSpace[] spaces,
                               int microBatch) {
        ModelSpec spec = model.spec();
        int n = inputs.size();
        float[][] out = new float[n][];
        for (int start = 0; start < n; start += microBatch) {
            int rows = Math.min(microBatch, n - start);
            INDArray input = stack(spec, inputs, start, rows);
            float[][] g = NativeArrays.drainRows(model.inputGradients(input, Arrays.copyOfRange(targets, start,
                    start + rows), Arrays.copyOfRange(spaces, start, start + rows)), rows);
            NativeArrays.close(input);
            System.arraycopy(g, 0, out, start, rows);
        }
        return out;
    }

    /** Logits of many inputs in micro-batches. */
    public static float[][] logits(ClassifierModel model, List<float[]> inputs, int microBatch) {
        ModelSpec spec = model.spec();
        int n = inputs.size();
        float[][] out = new float[n][];
        for (int start = 0; start < n; start += microBatch) {
            int rows = Math.min(microBatch, n - start);
            INDArray input = stack(spec, inputs, start, rows);
            System.arraycopy(NativeArrays.drainRows(model.logits(input), rows), 0, out, start, rows);
            NativeArrays.close(input);
        }
        return out;
    }

    /** Inputs [start, start + rows) as one [rows, C, H, W] array. */
    private static INDArray stack(ModelSpec spec, List<float[]> inputs, int start, int rows) {
        int size = spec.inputSize();
        float[] buf = new float[rows * size];
        for (int r = 0; r < rows; r++) System.arraycopy(inputs.get(start + r), 0, buf, r * size, size);
        return io.noiselens.model.NativeArrays.of(buf, rows, spec.channels(), spec.height(), spec.width());
    }

    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
