package io.noiselens.job;

import io.noiselens.config.NoiseLensException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Command-line errors are reported before any Spark work, naming what to fix. */
class NoiseLensMainTest {
    @TempDir
    Path dir;

    private static String fail(String... args) {
        return assertThrows(NoiseLensException.class, () -> NoiseLensMain.run(args, new PrintStream(new ByteArrayOutputStream())))
                .getMessage();
    }

    @Test
    void badInvocationsAreExplained() throws Exception {
        assertTrue(fail().contains("Usage"));
        assertTrue(fail("explain").contains("Unknown subcommand 'explain'"));
        assertTrue(fail("run").contains("--config"));
        assertTrue(fail("run", "--config", dir.resolve("missing.conf").toString()).contains("missing.conf"));
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "methods = [{kind = gradient}]\nengine.micro_batch = -4\n");
        String m = fail("run", "--config", bad.toString());
        assertTrue(m.contains("engine.micro_batch") && m.contains("-4"), m);
        assertTrue(fail("demo", "--set", "methods=[{kind = smoothgrad, samples = 0}]").contains("methods[0].samples"));
    }

    @Test
    void helpPrintsEveryKey() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(0, NoiseLensMain.run(new String[]{"--help"}, new PrintStream(buf)));
        assertTrue(buf.toString().contains("engine.memory_budget_mb"));
    }

    @Test
    void embeddedDemoConfigurationIsValid() {
        var cfg = io.noiselens.config.JobConfigLoader.fromString(NoiseLensMain.demoConfig(), java.util.List.of());
        assertEquals(512, cfg.dataset().builtinImages());
        assertEquals(java.util.List.of("gradient", "integrated_gradients", "smoothgrad", "noisegrad", "fusiongrad"),
                cfg.methods().stream().map(m -> m.build().id()).toList());
    }
}
