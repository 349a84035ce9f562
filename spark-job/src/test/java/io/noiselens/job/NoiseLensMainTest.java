package io.noiselens.job;

import io.noiselens.lang.NoiseLensException;
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

    /**
     * {@code train} produces the built-in models a run would train on first use, one file per demo split, and finds
     * them in the cache the second time; a run's model resolution then reads those same files.
     */
    @Test
    void trainProducesTheBuiltinModelsAheadOfARun() throws Exception {
        String[] args = {"train", "--set", "model.cache_dir=" + dir.resolve("cache"), "--set", "model.train_images=64",
                "--set", "model.train_epochs=1", "--set", "model.splits=2"};
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(0, NoiseLensMain.run(args, new PrintStream(buf)));
        java.util.List<String> files = buf.toString().lines().toList();
        assertEquals(2, files.size(), buf.toString());
        assertNotEquals(files.get(0), files.get(1), "one model per split");
        java.nio.file.attribute.FileTime trained = Files.getLastModifiedTime(Path.of(files.get(0)));
        for (String f : files) {
            assertTrue(f.startsWith(dir.resolve("cache").toString()), f);
            assertEquals(64, io.noiselens.model.ModelLoader.fromBytes(Files.readAllBytes(Path.of(f)), Path.of(f), null)
                    .spec().height());
        }
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        assertEquals(0, NoiseLensMain.run(args, new PrintStream(again)));
        assertEquals(files, again.toString().lines().toList(), "the second call finds the cached files");
        assertEquals(trained, Files.getLastModifiedTime(Path.of(files.get(0))), "and does not retrain");
        var cfg = io.noiselens.config.JobConfigLoader.fromString(NoiseLensMain.demoConfig(), java.util.List.of(
                "model.cache_dir=" + dir.resolve("cache"), "model.train_images=64", "model.train_epochs=1", "model.splits=2"));
        assertEquals(files, io.noiselens.model.BuiltinModels.files(cfg.model().paths(),
                cfg.model().builtins(cfg.dataset().fashionMnistPath())), "a run resolves the same files");
        String m = fail("train", "--set", "model.path=" + dir.resolve("mine.onnx"));
        assertTrue(m.contains("model.path") && m.contains("builtin:demo"), m);
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

    /** Mistakes in keys, numbers, paths, the master and model files stop the run before a Spark session starts. */
    @Test
    void mistakesAreCaughtBeforeSparkStarts() throws Exception {
        String m = fail("demo", "--set", "methodsX=1");
        assertTrue(m.contains("Unknown configuration key 'methodsX'"), m);
        m = fail("demo", "--set", "dataset.builtin.images=1.5");
        assertTrue(m.contains("'dataset.builtin.images'") && m.contains("1.5") && m.contains("an integer"), m);
        m = fail("demo", "--set", "spark.master=nonsense://x");
        assertTrue(m.contains("'spark.master'") && m.contains("local[*]"), m);
        if (System.getenv("SPARK_HOME") == null && !Files.isDirectory(Path.of("jars"))) {
            m = fail("demo", "--set", "spark.master=local-cluster[2,1,1024]");
            assertTrue(m.contains("SPARK_HOME") && m.contains("jars/"), m);
        }
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        m = fail("demo", "--set", "run.output=" + file);
        assertTrue(m.contains("'run.output'") && m.contains("existing file"), m);
        m = fail("demo", "--set", "dataset.kind=parquet", "--set", "dataset.parquet.path=" + dir.resolve("none"));
        assertTrue(m.contains("'dataset.parquet.path'") && m.contains("No such file"), m);
        m = fail("demo", "--set", "dataset.kind=parquet", "--set", "dataset.parquet.path=" + file);
        assertTrue(m.contains("not a Parquet file") && m.contains("noiselens ingest"), m);
        m = fail("demo", "--set", "dataset.kind=folder", "--set", "dataset.folder.path=" + dir.resolve("img [v1]"));
        assertTrue(m.contains("'dataset.folder.path'") && m.contains("img [v1]"), m);

        Path nlm = Files.write(dir.resolve("broken.nlm"), new byte[]{1, 2, 3, 4, 5});
        m = fail("demo", "--set", "model.path=" + nlm);
        assertTrue(m.contains("NoiseLens model file") && m.contains("broken.nlm") && !m.contains("ONNX model"), m);
        Path onnx = Files.write(dir.resolve("cut.onnx"), new byte[]{8, 7, 18, 4, 'x'});
        m = fail("demo", "--set", "model.path=" + onnx);
        assertTrue(m.contains("ONNX model") && m.contains("cut.onnx") && m.contains("torch.onnx.export")
                && !m.contains("ModelFile.save"), m);
    }

    @Test
    void everySubcommandAnswersHelp() {
        for (String command : java.util.List.of("run", "demo", "ingest", "train", "methods", "bench")) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            assertEquals(0, NoiseLensMain.run(new String[]{command, "--help"}, new PrintStream(buf)), command);
            assertTrue(command.equals("methods") ? buf.toString().contains("smoothgrad")
                    : buf.toString().contains("Usage") || buf.toString().contains("usage"), command + ": " + buf);
        }
        assertTrue(fail("bench").contains("io.noiselens.bench.Bench"), "the benchmark's own entry point is named");
    }

    /** An unexpected failure is one paragraph of messages; its stack trace only with --verbose. */
    @Test
    void failuresPrintNoStackTraceUnlessVerbose() {
        RuntimeException e = new IllegalStateException("outer", new java.io.IOException("inner\nsecond line"));
        String quiet = NoiseLensMain.failure(e, false);
        assertTrue(quiet.contains("IllegalStateException: outer") && quiet.contains("caused by: IOException: inner")
                && quiet.contains("--verbose") && !quiet.contains("\tat ") && !quiet.contains("second line"), quiet);
        assertTrue(NoiseLensMain.failure(e, true).contains("\tat "));
    }
}
