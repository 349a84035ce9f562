package io.noiselens.model;

import io.noiselens.data.FashionMnist;
import io.noiselens.data.LabeledImage;
import io.noiselens.random.KeyedRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real-data example's model: {@link FashionCnn} trained by NoiseLens on Fashion-MNIST's 60 000 training images
 * (Adam, keyed shuffles, so a pure function of the recipe), normalised with the training pixels' mean and std, and
 * checked on the 10 000 test images. Trained on first use and cached under a name that hashes the recipe.
 */
public final class FashionMnistModel {
    private static final Logger LOG = LoggerFactory.getLogger(FashionMnistModel.class);

    /** How many training images (the first ones of the training split) and how to train. */
    public record Recipe(int trainImages, Trainer.Settings training) {
        public static Recipe standard() {
            return new Recipe(60_000, new Trainer.Settings(3, 64, 1e-3, 11));
        }

        String cacheName() {
            return "fashion_mnist-" + FashionCnn.NAME + "-"
                    + Long.toHexString(KeyedRandom.hash(trainImages + "-" + training + "-" + KeyedRandom.ALGORITHM)) + ".nlm";
        }
    }

    private FashionMnistModel() {}

    /** The cached model file for {@code recipe}, trained from the IDX files in {@code dataDir} if missing. */
    public static Path getOrTrain(Path cacheDir, Path dataDir, Recipe recipe) {
        Path file = cacheDir.resolve(recipe.cacheName());
        if (Files.isRegularFile(file)) {
            LOG.info("Using cached Fashion-MNIST model {}", file);
            return file;
        }
        List<LabeledImage> train = FashionMnist.load(dataDir, "train");
        train = train.subList(0, Math.min(recipe.trainImages(), train.size()));
        List<LabeledImage> test = FashionMnist.load(dataDir, "t10k");
        LOG.info("Training the Fashion-MNIST model ({} images, {} epochs); cached at {}", train.size(),
                recipe.training().epochs(), file);
        ModelSpec spec = new ModelSpec(FashionCnn.NAME, 1, FashionMnist.SIZE, FashionMnist.SIZE,
                FashionMnist.CLASSES.size(), FashionMnist.CLASSES, DemoModel.channelStats(train));
        Trainer.Result r = Trainer.train(spec, train, test, recipe.training(), LOG::info);
        LOG.info("Fashion-MNIST model trained in {} s, test accuracy {}", String.format("%.0f", r.seconds()),
                String.format("%.4f", r.testAccuracy()));
        try {
            ModelFile.save(file, spec, r.weights());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the Fashion-MNIST model to " + file, e);
        }
        return file;
    }
}
