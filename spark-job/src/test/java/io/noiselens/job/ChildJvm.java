package io.noiselens.job;

import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SmallCnn;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the tests that run the job in a child JVM share: a small model file and the child's command line. */
final class ChildJvm {
    private ChildJvm() {}

    /** The demo architecture (64×64, the built-in classes) with its initial weights, saved as {@code dir/model.nlm}. */
    static Path smallModel(Path dir) throws IOException {
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 64, 64, 5, SyntheticShapes.CLASSES, Preprocessing.identity(3));
        Path model = dir.resolve("model.nlm");
        ModelFile.save(model, spec, Architectures.initialWeights(spec, 3));
        return model;
    }

    /**
     * {@code java} with this JVM's module flags and native-library settings, the given heap, this test classpath and
     * {@code main} with its arguments.
     */
    static List<String> command(String heap, Class<?> main, List<String> props, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("-Dorg.bytedeco")) cmd.add(a);
        }
        cmd.add("-Xmx" + heap);
        cmd.addAll(props);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
