package io.noiselens.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The built-in model trains to ≥ 90 % held-out accuracy, is cached, and reloads losslessly. */
class DemoModelTest {
    @TempDir
    Path cache;

    @Test
    void trainsToNinetyPercentAndIsReusedFromTheCache() throws Exception {
        long start = System.nanoTime();
        Path file = DemoModel.getOrTrain(cache, DemoModel.Recipe.standard());
        double seconds = (System.nanoTime() - start) / 1e9;
        ModelFile.Loaded loaded = ModelFile.load(file);
        double acc = DemoModel.heldOutAccuracy(loaded, DemoModel.Recipe.standard());
        System.out.printf("demo model: %.1f s to train, held-out accuracy %.4f%n", seconds, acc);
        assertTrue(acc >= 0.90, "held-out accuracy " + acc);
        long modified = Files.getLastModifiedTime(file).toMillis();
        assertEquals(file, DemoModel.getOrTrain(cache, DemoModel.Recipe.standard()));
        assertEquals(modified, Files.getLastModifiedTime(file).toMillis(), "the cached model was retrained");
    }
}
