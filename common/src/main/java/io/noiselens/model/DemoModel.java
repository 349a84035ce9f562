package io.noiselens.model;

import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.random.KeyedRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in demo model: the small CNN trained on {@link SyntheticShapes}. Trained on first use and cached as a
 * model file whose name encodes the dataset version and every training setting, so a change retrains and an
 * unchanged setting is reused.
 */
public final class DemoModel {
    private static final Logger LOG = LoggerFactory.getLogger(DemoModel.class);

    /**
     * What to train: image size, split sizes, the training settings, and which disjoint part of the built-in
     * training stream to learn from: part p uses training images [p·trainSize, (p+1)·trainSize) and training seed
     * + p (Ye & Farnia's disjoint splits, {@code two_split.py}).
     */
    public record Recipe(int imageSize, int trainSize, int testSize, long dataSeed, Trainer.Settings training, int split) {
        public static Recipe standard() {
            return new Recipe(64, 3600, 1000, 1234, new Trainer.Settings(6, 64, 2.5e-3, 99), 0);
        }

        /** The same recipe on disjoint part {@code p} of the training stream. */
        public Recipe split(int p) {
            return new Recipe(imageSize, trainSize, testSize, dataSeed, training, p);
        }

        /** The same recipe with another training-set size and number of epochs. */
        public Recipe sized(int images, int epochs) {
            return new Recipe(imageSize, images, testSize, dataSeed, new Trainer.Settings(epochs, training.batchSize(),
                    training.learningRate(), training.seed()), split);
        }

        String cacheName() {
            // The generator is part of the key: it draws the initial weights, so a new one means another model.
            String key = String.format("data-v%d-arch-v%d-%d-%d-%d-%d-%s-%s", SyntheticShapes.VERSION, SmallCnn.VERSION,
                    imageSize, trainSize, testSize, dataSeed, training, KeyedRandom.ALGORITHM);
            return "demo-small_cnn-" + Long.toHexString(KeyedRandom.hash(key)) + (split == 0 ? "" : "-split" + split) + ".nlm";
        }
    }

    private DemoModel() {}

    /** The cached model file for {@code recipe}, training it first if it is not in {@code cacheDir}. */
    public static Path getOrTrain(Path cacheDir, Recipe recipe) {
        Path file = cacheDir.resolve(recipe.cacheName());
        if (Files.isRegularFile(file)) {
            LOG.info("Using cached demo model {}", file);
            return file;
        }
        LOG.info("Training the demo model ({} training images {}x{}, {} epochs); cached at {}", recipe.trainSize(),
                recipe.imageSize(), recipe.imageSize(), recipe.training().epochs(), file);
        SyntheticShapes data = new SyntheticShapes(recipe.dataSeed(), recipe.imageSize());
        List<LabeledImage> train = new ArrayList<>(), test = new ArrayList<>();
        long first = (long) recipe.split() * recipe.trainSize();
        for (int i = 0; i < recipe.trainSize(); i++) train.add(data.image("train", first + i));
        for (int i = 0; i < recipe.testSize(); i++) test.add(data.image("test", i));
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, recipe.imageSize(), recipe.imageSize(),
                SyntheticShapes.CLASSES.size(), SyntheticShapes.CLASSES, channelStats(train));
        Trainer.Settings t = recipe.training();
        Trainer.Result r = Trainer.train(spec, train, test, new Trainer.Settings(t.epochs(), t.batchSize(), t.learningRate(),
                t.seed() + recipe.split()), LOG::info);
        LOG.info("Demo model trained in {} s, held-out accuracy {}", String.format("%.0f", r.seconds()),
                String.format("%.3f", r.testAccuracy()));
        try {
            ModelFile.save(file, spec, r.weights());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the demo model to " + file, e);
        }
        return file;
    }

    /** Accuracy of a loaded model on the recipe's held-out split (an independent check of a cached file). */
    public static double heldOutAccuracy(ModelFile.Loaded model, Recipe recipe) {
        SyntheticShapes data = new SyntheticShapes(recipe.dataSeed(), recipe.imageSize());
        int correct = 0;
        try (SameDiffClassifier m = SameDiffClassifier.create(model.spec(), model.weights())) {
            for (int start = 0; start < recipe.testSize(); start += 100) {
                int rows = Math.min(100, recipe.testSize() - start);
                float[] buf = new float[rows * model.spec().inputSize()];
                int[] labels = new int[rows];
                for (int r = 0; r < rows; r++) {
                    LabeledImage img = data.image("test", start + r);
                    labels[r] = img.label();
                    System.arraycopy(Trainer.modelInput(model.spec(), img), 0, buf, r * model.spec().inputSize(),
                            model.spec().inputSize());
                }
                org.nd4j.linalg.api.ndarray.INDArray pred = m.logits(org.nd4j.linalg.factory.Nd4j.createFromArray(buf)
                        .reshape(rows, model.spec().channels(), model.spec().height(), model.spec().width())).argMax(1);
                for (int r = 0; r < rows; r++) if (pred.getInt(r) == labels[r]) correct++;
            }
        }
        return (double) correct / recipe.testSize();
    }

    /** Per-channel mean and standard deviation of the training pixels: the model's normaliser. */
    static Preprocessing channelStats(List<LabeledImage> images) {
        int channels = images.get(0).channels();
        double[] s = new double[channels], s2 = new double[channels];
        long n = 0;
        for (LabeledImage img : images) {
            int plane = img.height() * img.width();
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < plane; i++) {
                    double v = img.pixels()[c * plane + i];
                    s[c] += v;
                    s2[c] += v * v;
                }
            }
            n += plane;
        }
        float[] mean = new float[channels], std = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = (float) (s[c] / n);
            std[c] = (float) Math.sqrt(s2[c] / n - mean[c] * (double) mean[c]);
        }
        return new Preprocessing(mean, std, mean.clone());
    }
}
