package io.noiselens.job;

import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SmallCnn;

import java.io.IOException;
import java.nio.file.Path;

/** What the tests that run the job in a child JVM share: a small model file ({@link io.noiselens.bench.MemoryBench#javaCommand} is the command line). */
final class ChildJvm {
    private ChildJvm() {}

    /** The demo architecture (64×64, the built-in classes) with its initial weights, saved as {@code dir/model.nlm}. */
    static Path smallModel(Path dir) throws IOException {
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 64, 64, 5, SyntheticShapes.CLASSES, Preprocessing.identity(3));
        Path model = dir.resolve("model.nlm");
        ModelFile.save(model, spec, Architectures.initialWeights(spec, 3));
        return model;
    }
}
