package io.noiselens.job;

import io.noiselens.bench.MemoryBench;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every method and every metric together in one job, in a child JVM whose peak resident memory (VmHWM) must stay
 * under a stated bound: the heap (-Xmx), plus two tasks' memory budget (engine.memory_budget_mb per model call, the
 * cap DANCE's decoy chunks, RelEx's copies and the sessions' array caches are planned against), plus a fixed
 * allowance for the JVM and the native libraries (metaspace, code, Spark, libnd4j and oneDNN, malloc arenas).
 * Measured peak: 3.1 GB since model inputs are arrays that own their buffers and {@code NativeMemory} collects and
 * trims what SameDiff leaves to the collector (5.6 GB just before, 3.6–4.8 GB in earlier runs, more than 10 GB before
 * DANCE's decoys were streamed — the kind of regression this bound is for). DANCE runs at its default patch and
 * stride (the setting that peaked at 16.2 GB on four images before its decoys were streamed); the other methods and
 * the metrics' repetitions are cut down so that the run takes a minute or two: the working set of one model call,
 * which is what the budget bounds, does not depend on how many calls there are.
 */
class MemoryBoundTest {
    static final int HEAP_MB = 1024, BUDGET_MB = 256, TASKS = 2, ALLOWANCE_MB = 3072;
    static final String METHODS = "methods = [{kind = gradient}, {kind = gradient_x_input}, "
            + "{kind = integrated_gradients, steps = 8}, {kind = smoothgrad, samples = 4}, "
            + "{kind = smoothgrad_sq, samples = 4}, {kind = vargrad, samples = 4}, {kind = noisegrad, replicas = 3}, "
            + "{kind = fusiongrad, replicas = 2, samples = 2}, {kind = smoothtaylor, samples = 8}, "
            + "{kind = relex, samples = 4, iterations = 3}, {kind = dance, iterations = 2}]\n"
            + "metrics.robustness_samples = 2\nmetrics.attack_iterations = 2\nmetrics.adversarial_steps = 2\n"
            + "metrics.aupc_patches = 2\nmetrics.bootstrap_samples = 100\n";

    @TempDir
    Path dir;

    @Test
    void everyMethodAndMetricTogetherStayUnderTheBound() throws Exception {
        Path model = ChildJvm.smallModel(dir);
        Path conf = Files.writeString(dir.resolve("all.conf"), METHODS);
        List<String> cmd = MemoryBench.javaCommand(HEAP_MB + "m", MemoryBench.Child.class, List.of(), "run", "--config", conf.toString(), "--set", "run.output=" + dir.resolve("out"),
                "--set", "model.path=" + model, "--set", "spark.master=local[" + TASKS + "]",
                "--set", "engine.memory_budget_mb=" + BUDGET_MB, "--set", "dataset.builtin.images=2",
                "--set", "engine.batch_size=1", "--set", "spark.partitions=2");
        Path log = dir.resolve("child.log");
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        long t0 = System.nanoTime();
        int rc = b.start().waitFor();
        String text = Files.readString(log);
        assertEquals(0, rc, text.length() > 6000 ? text.substring(text.length() - 6000) : text);
        text.lines().filter(l -> l.contains("Progress: ")).forEach(System.out::println);
        var m = java.util.regex.Pattern.compile("peak resident memory: (\\d+) kB").matcher(text);
        assertTrue(m.find(), text);
        long peakMb = Long.parseLong(m.group(1)) / 1024, bound = HEAP_MB + (long) TASKS * BUDGET_MB + ALLOWANCE_MB;
        System.out.printf("Every method and metric, 2 images: peak resident memory %d MB in %.0f s; bound %d MB "
                        + "(heap %d + %d tasks × budget %d + allowance %d)%n", peakMb, (System.nanoTime() - t0) / 1e9,
                bound, HEAP_MB, TASKS, BUDGET_MB, ALLOWANCE_MB);
        assertTrue(text.contains("dance") && text.contains("relex"), "the summary lists every method: " + text);
        assertTrue(peakMb <= bound, "peak resident memory " + peakMb + " MB over the bound of " + bound + " MB");
    }
}
