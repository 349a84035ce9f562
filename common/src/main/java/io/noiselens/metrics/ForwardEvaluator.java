package io.noiselens.metrics;

import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.OutputSpace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batched forward passes for metrics: perturbed inputs are generated on demand by an {@link InputWriter} and
 * evaluated in micro-batches, so a deletion curve over hundreds of steps never holds more than one micro-batch of
 * inputs and never makes one forward call per input.
 */
public final class ForwardEvaluator {
    /** Writes perturbed input k (model space, C×H×W) into {@code buf} at {@code offset}. */
    @FunctionalInterface
    public interface InputWriter {
        void write(int k, float[] buf, int offset);
    }

    private final ClassifierModel model;
    private final int microBatch;
    private long rows;

    public ForwardEvaluator(ClassifierModel model, int microBatch) {
        this.model = model;
        this.microBatch = Math.max(1, microBatch);
    }

    /** Per generated input: the target's logit, softmax probability and its log, and the predicted class. */
    public record Scores(double[] logit, double[] probability, double[] logProbability, int[] argmax) {
        public double[] in(OutputSpace space) {
            return switch (space) {
                case LOGIT -> logit;
                case PROBABILITY -> probability;
                case LOG_PROBABILITY -> logProbability;
            };
        }
    }

    /** Score of class {@code targets[k]} (logit or softmax probability) for each of the n generated inputs. */
    public double[] scores(int n, InputWriter writer, int[] targets, OutputSpace space) {
        return evaluate(n, writer, targets).in(space);
    }

    /** Logit, probability of class {@code targets[k]} and the arg-max class for each of the n generated inputs. */
    public Scores evaluate(int n, InputWriter writer, int[] targets) {
        Scores out = new Scores(new double[n], new double[n], new double[n], new int[n]);
        forEach(n, writer, (row, l) -> {
            int t = targets[row], best = 0;
            for (int c = 1; c < l.length; c++) if (l[c] > l[best]) best = c;
            out.logit()[row] = l[t];
            out.logProbability()[row] = OutputSpace.LOG_PROBABILITY.of(l, t);
            out.probability()[row] = Math.exp(out.logProbability()[row]);
            out.argmax()[row] = best;
        });
        return out;
    }

    /** Every class's logit for each of the n generated inputs ([n][classes]). */
    public double[][] logits(int n, InputWriter writer) {
        double[][] out = new double[n][];
        forEach(n, writer, (row, l) -> out[row] = l);
        return out;
    }

    private interface RowConsumer {
        void accept(int row, double[] logits);
    }

    private void forEach(int n, InputWriter writer, RowConsumer consumer) {
        ModelSpec spec = model.spec();
        int size = spec.inputSize();
        float[] buf = new float[Math.min(n, microBatch) * size];
        for (int start = 0; start < n; start += microBatch) {
            int count = Math.min(microBatch, n - start);
            for (int r = 0; r < count; r++) writer.write(start + r, buf, r * size);
            float[] in = count * size == buf.length ? buf : java.util.Arrays.copyOf(buf, count * size);
            INDArray input = io.noiselens.model.NativeArrays.of(in, count, spec.channels(), spec.height(), spec.width());
            double[] all = io.noiselens.model.NativeArrays.drainDoubles(model.logits(input));
            io.noiselens.model.NativeArrays.close(input);
            int k = spec.numClasses();
            for (int r = 0; r < count; r++) consumer.accept(start + r, java.util.Arrays.copyOfRange(all, r * k, (r + 1) * k));
            rows += count;
        }
    }

    /** Rows per forward call. */
    public int microBatch() {
        return microBatch;
    }

    public ClassifierModel model() {
        return model;
    }

    /** The parameters the model currently uses. */
    public io.noiselens.model.ModelWeights weights() {
        return model.weights();
    }

    /** Forward rows evaluated so far. */
    public long rows() {
        return rows;
    }
}
