package io.noiselens.job;

import io.noiselens.bench.MemoryBench;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The driver killed with SIGKILL at points of the write phase of a re-run (a child JVM paused at the step by
 * {@code -Dnoiselens.commit.pause_at}, then killed): the tables read back hold either the previous run's state or
 * the new one, never a mix, and the runs table says which — or says {@code committing}, which readers skip, until
 * the next start rolls the commit forward. The previous run explained with Gradient, the re-run with Gradient and
 * Gradient×Input, so the two states differ in every table.
 */
class RunCommitKillTest {
    @TempDir
    static Path dir;
    static Path model, previous;
    static SparkSession spark;

    @BeforeAll
    static void previousRun() throws Exception {
        model = ChildJvm.smallModel(dir);
        previous = dir.resolve("previous");
        Process p = child(previous, "[{kind = gradient}]", "").start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        spark = SparkSession.builder().master("local[1]").appName("noiselens-commit-test")
                .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC").getOrCreate();
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    static ProcessBuilder child(Path out, String methods, String pauseAt) throws IOException {
        Path conf = Files.writeString(out.resolveSibling(out.getFileName() + ".conf"), "methods = " + methods + "\n");
        List<String> cmd = MemoryBench.javaCommand("1g", NoiseLensMain.class, List.of("-Dnoiselens.commit.pause_at=" + pauseAt),
                "run", "--config", conf.toString(), "--set", "run.id=nightly",
                "--set", "run.output=" + out, "--set", "model.path=" + model, "--set", "spark.master=local[2]",
                "--set", "dataset.builtin.images=6", "--set", "engine.batch_size=6", "--set", "spark.partitions=2",
                "--set", "metrics.names=[sparseness]");
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        b.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return b;
    }

    /** What the tables say of run 'nightly': the runs row's status and counts, and each table's methods. */
    record State(String status, long nAttributions, Set<String> attributionMethods, Set<String> metricMethods,
                 Set<String> summaryMethods) {}

    static State read(Path out) {
        spark.catalog().clearCache();
        List<Row> runs = spark.read().parquet(out.resolve("runs").toString()).where("run_id = 'nightly'").collectAsList();
        assertTrue(runs.size() <= 1, "one runs row per run: " + runs);
        return new State(runs.isEmpty() ? null : runs.get(0).getAs("status"),
                runs.isEmpty() ? -1 : runs.get(0).<Long>getAs("n_attributions"),
                methods(out, "attributions"), methods(out, "metrics"), methods(out, "summary"));
    }

    static Set<String> methods(Path out, String table) {
        return new TreeSet<>(spark.read().parquet(out.resolve(table).toString()).where("run_id = 'nightly'")
                .select("method").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    }

    static final Set<String> OLD = Set.of("gradient"), NEW = Set.of("gradient", "gradient_x_input");

    /** Either every table holds the previous run, or every table the new one, as the runs row says. */
    static void assertConsistent(State s, String when) {
        if ("committing".equals(s.status())) return; // readers take committed runs only; recovery decides
        assertEquals("succeeded", s.status(), when + ": " + s);
        Set<String> expected = s.nAttributions() == 6 ? OLD : NEW;
        assertEquals(expected.size() * 6L, s.nAttributions(), when + ": " + s);
        assertEquals(expected, s.attributionMethods(), when + ": " + s);
        assertEquals(expected, s.metricMethods(), when + ": " + s);
        assertEquals(expected, s.summaryMethods(), when + ": " + s);
    }

    @ParameterizedTest
    @ValueSource(strings = {"staged metrics", "journal written", "runs marked committing", "swapped attributions",
            "swapped metrics", "swapped runs"})
    void aKilledCommitLeavesThePreviousOrTheNewStateNeverAMix(String step) throws Exception {
        Path out = dir.resolve("out-" + step.replace(' ', '-'));
        copy(previous, out);
        assertConsistent(read(out), "before");
        Process p = child(out, "[{kind = gradient}, {kind = gradient_x_input}]", step).start();
        boolean paused = false;
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                log.append(line).append('\n');
                if (line.equals("noiselens-commit-paused: " + step)) {
                    paused = true;
                    p.destroyForcibly(); // SIGKILL
                    break;
                }
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child did not die");
        assertTrue(paused, "the child never reached '" + step + "':\n" + log);

        State killed = read(out);
        assertConsistent(killed, "after the kill at '" + step + "'");
        boolean beforeCommitPoint = step.equals("staged metrics");
        if (beforeCommitPoint) assertEquals(6, killed.nAttributions(), "nothing was committed yet");
        if (step.equals("runs marked committing") || step.startsWith("swapped a") || step.equals("swapped metrics")) {
            assertEquals("committing", killed.status(), "the swap was under way: " + killed);
        }

        RunCommit.recover(spark, out.toString(), "nightly");
        State recovered = read(out);
        assertConsistent(recovered, "after recovery from '" + step + "'");
        assertEquals(beforeCommitPoint ? 6 : 12, recovered.nAttributions(), "journalled commits roll forward: " + recovered);
        try (var files = Files.walk(out)) {
            List<String> left = files.filter(Files::isRegularFile).map(f -> out.relativize(f).toString())
                    .filter(f -> f.startsWith(RunCommit.STAGING + "/") || f.startsWith("_results/")
                            || f.startsWith(RunCommit.JOURNALS + "/")).toList();
            assertEquals(List.of(), left, "staging left behind");
        }
    }

    static void copy(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(t);
                else Files.copy(f, t);
            }
        }
    }
}
