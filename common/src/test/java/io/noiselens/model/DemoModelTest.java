package io.noiselens.model;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The built-in model trains to ≥ 90 % held-out accuracy, is cached, and reloads losslessly. */
public class DemoModelTest {
    /**
     * One demo model per build, shared with the other tests that need a trained model (they call
     * {@link #trained()}); under target/ so a clean build always trains it once.
     */
    static final Path CACHE = Path.of("target", "demo-model-cache");

    public static Path trained() {
        return DemoModel.getOrTrain(CACHE, DemoModel.Recipe.standard());
    }

    @Test
    void trainsToNinetyPercentAndIsReusedFromTheCache() throws Exception {
        long start = System.nanoTime();
        Path file = trained();
        double seconds = (System.nanoTime() - start) / 1e9;
        ModelFile.Loaded loaded = ModelFile.load(file);
        double acc = DemoModel.heldOutAccuracy(loaded, DemoModel.Recipe.standard());
        System.out.printf("demo model: %.1f s to train (0 when another test trained it first), held-out accuracy %.4f%n",
                seconds, acc);
        assertTrue(acc >= 0.90, "held-out accuracy " + acc);
        long modified = Files.getLastModifiedTime(file).toMillis();
        assertEquals(file, DemoModel.getOrTrain(CACHE, DemoModel.Recipe.standard()));
        assertEquals(modified, Files.getLastModifiedTime(file).toMillis(), "the cached model was retrained");
    }
}
