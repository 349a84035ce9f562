package io.noiselens.job;

import io.noiselens.bench.MemoryBench;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The job on {@code local-cluster[2,1,1024]} (two executor JVMs) from the test classpath, with SPARK_HOME an empty
 * directory with {@code jars/} (no Spark installation): one executor is killed with SIGKILL while images are being
 * explained, Spark reschedules its tasks, and the tables are complete — every image explained once, no duplicates.
 */
class LocalClusterTest {
    static final int IMAGES = 80;

    @TempDir
    Path dir;

    @Test
    void anExecutorKilledMidExplainLosesNoImage() throws Exception {
        Path model = ChildJvm.smallModel(dir);
        Path home = Files.createDirectories(dir.resolve("spark-home").resolve("jars")).getParent();
        Path out = dir.resolve("out");
        Path conf = Files.writeString(dir.resolve("job.conf"), "methods = [{kind = gradient}, "
                + "{kind = smoothgrad, samples = 64}, {kind = integrated_gradients, steps = 64}]\n");
        String marker = "noiselens-local-cluster-" + ProcessHandle.current().pid();
        List<String> cmd = MemoryBench.javaCommand("1g", NoiseLensMain.class, List.of(), "run", "--config", conf.toString(), "--set", "run.id=" + marker, "--set", "run.output=" + out,
                "--set", "model.path=" + model, "--set", "spark.master=local-cluster[2,1,1024]",
                "--set", "dataset.builtin.images=" + IMAGES, "--set", "engine.batch_size=2", "--set", "spark.partitions=12",
                "--set", "metrics.names=[sparseness]");
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        b.environment().put("SPARK_HOME", home.toString());
        b.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = b.start();
        StringBuilder log = new StringBuilder();
        boolean killed = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                log.append(line).append('\n');
                // The first progress line comes 10 s into the explain stage, with tasks running on both executors.
                if (!killed && line.contains("Progress: ")) {
                    Optional<ProcessHandle> executor = executorOf(p.pid());
                    assertTrue(executor.isPresent(), "no executor JVM under the driver:\n" + log);
                    executor.get().destroyForcibly();
                    killed = true;
                }
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the run did not end:\n" + log);
        assertEquals(0, p.exitValue(), log.toString());
        assertTrue(killed, "the explain stage ended before its first progress line; no executor was killed:\n" + log);
        assertTrue(log.toString().matches("(?s).*(ExecutorLostFailure|Lost executor|exited with code 137).*"),
                "Spark never noticed the lost executor:\n" + log);

        SparkSession spark = SparkSession.builder().master("local[1]").appName("noiselens-local-cluster-check")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            Row counts = spark.read().parquet(out.resolve("attributions").toString())
                    .selectExpr("count(*)", "count(DISTINCT image_id, method)", "count(DISTINCT image_id)").first();
            assertEquals(3L * IMAGES, counts.getLong(0), "one map per image and method");
            assertEquals(3L * IMAGES, counts.getLong(1), "no duplicates from the re-run tasks");
            assertEquals(IMAGES, counts.getLong(2));
            Row run = spark.read().parquet(out.resolve("runs").toString()).first();
            assertEquals("succeeded", run.getAs("status"));
            assertEquals(IMAGES, (long) run.<Long>getAs("n_images"));
        } finally {
            spark.stop();
        }
    }

    /**
     * An executor JVM of the driver with process id {@code driver}: in local-cluster mode the driver's workers start
     * them as its child processes (their command line, a long classpath, is read from /proc).
     */
    static Optional<ProcessHandle> executorOf(long driver) {
        return ProcessHandle.of(driver).stream().flatMap(ProcessHandle::descendants).filter(h -> {
            try {
                return Files.readString(Path.of("/proc", String.valueOf(h.pid()), "cmdline"))
                        .contains("CoarseGrainedExecutorBackend");
            } catch (java.io.IOException e) {
                return false;
            }
        }).findFirst();
    }
}
