package io.noiselens.model;

import io.noiselens.data.LabeledImage;
import io.noiselens.random.KeyedRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Trains an architecture without BatchNorm (the small CNN) with SameDiff: softmax cross-entropy, Adam, minibatches
 * in a keyed shuffle order, so a training run is a pure function of its seed and data.
 */
public final class Trainer {
    /** Training hyperparameters (Adam with a constant learning rate). */
    public record Settings(int epochs, int batchSize, double learningRate, long seed) {}

    /** The trained model and its held-out accuracy. */
    public record Result(ModelSpec spec, ModelWeights weights, double testAccuracy, double seconds) {}

    private Trainer() {}

    public static Result train(ModelSpec spec, List<LabeledImage> train, List<LabeledImage> test, Settings s,
                               Consumer<String> log) {
        long start = System.nanoTime();
        SameDiff sd = SameDiff.create();
        SameDiffLayers l = new SameDiffLayers(sd, DataType.FLOAT, Map.of(), s.seed(), false);
        Layers.Act<SDVariable> in = l.input(SameDiffClassifier.INPUT, spec.channels(), spec.height(), spec.width());
        SDVariable logits = spec.network().define(l, in, spec).v();
        SDVariable label = sd.placeHolder("label", DataType.FLOAT, -1, spec.numClasses());
        sd.loss().softmaxCrossEntropy("loss", label, logits, null);
        l.assign(l.weights());
        int n = train.size();
        sd.setTrainingConfig(new TrainingConfig.Builder().updater(new Adam(s.learningRate()))
                .dataSetFeatureMapping(SameDiffClassifier.INPUT).dataSetLabelMapping("label").build());
        for (int epoch = 0; epoch < s.epochs(); epoch++) {
            // One fit call per epoch over minibatch views of the shuffled epoch: SameDiff keeps one training session
            // for the epoch (a fit call per minibatch made a session, and an array cache, per step).
            int[] order = shuffle(n, KeyedRandom.key(s.seed(), KeyedRandom.Purpose.SHUFFLE, epoch));
            float[] buf = new float[n * spec.inputSize()];
            float[] onehot = new float[n * spec.numClasses()];
            for (int r = 0; r < n; r++) {
                LabeledImage img = train.get(order[r]);
                System.arraycopy(modelInput(spec, img), 0, buf, r * spec.inputSize(), spec.inputSize());
                onehot[r * spec.numClasses() + img.label()] = 1;
            }
            try (INDArray x = NativeArrays.of(buf, n, spec.channels(), spec.height(), spec.width());
                 INDArray y = NativeArrays.of(onehot, n, spec.numClasses())) {
                sd.fit(new ViewIterator(new DataSet(x, y), s.batchSize()), 1);
            }
            // Each fit call makes a training session whose array cache (up to a quarter of the off-heap limit) only the
            // garbage collector frees; collect it now rather than holding one per epoch.
            System.gc();
            double acc = accuracy(sd, logits.name(), spec, test);
            log.accept(String.format("epoch %d/%d: held-out accuracy %.3f (%.0f s)", epoch + 1, s.epochs(), acc,
                    (System.nanoTime() - start) / 1e9));
        }
        return new Result(spec, l.read(), accuracy(sd, logits.name(), spec, test), (System.nanoTime() - start) / 1e9);
    }

    /** Pixels normalised with the model's preprocessing: the input the model sees. */
    public static float[] modelInput(ModelSpec spec, LabeledImage img) {
        if (img.channels() != spec.channels() || img.height() != spec.height() || img.width() != spec.width()) {
            throw new IllegalArgumentException("Image " + img.id() + " is " + img.channels() + "x" + img.height()
                    + "x" + img.width() + ", the model takes " + spec.channels() + "x" + spec.height() + "x" + spec.width());
        }
        float[] x = img.pixels().clone();
        spec.preprocessing().normaliseInPlace(x, spec.height() * spec.width());
        return x;
    }

    private static double accuracy(SameDiff sd, String logits, ModelSpec spec, List<LabeledImage> test) {
        int correct = 0;
        for (int start = 0; start < test.size(); start += 128) {
            int rows = Math.min(128, test.size() - start);
            float[] buf = new float[rows * spec.inputSize()];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(modelInput(spec, test.get(start + r)), 0, buf, r * spec.inputSize(), spec.inputSize());
            }
            INDArray x = NativeArrays.of(buf, rows, spec.channels(), spec.height(), spec.width());
            INDArray out = sd.outputSingle(Map.of(SameDiffClassifier.INPUT, x), logits);
            INDArray pred = out.argMax(1);
            for (int r = 0; r < rows; r++) if (pred.getInt(r) == test.get(start + r).label()) correct++;
        }
        return (double) correct / test.size();
    }

    private static int[] shuffle(int n, long key) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int) Math.floor(KeyedRandom.uniform(key, i) * (i + 1));
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
