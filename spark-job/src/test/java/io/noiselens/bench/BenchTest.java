package io.noiselens.bench;

import io.noiselens.lang.NoiseLensException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The benchmark's command line and its timing rule (the benchmark itself takes minutes and is run by hand:
 * BENCHMARKS.md records its figures and the command).
 */
class BenchTest {
    @Test
    void flagsAreParsedAndBadOnesNamed() {
        Bench.Settings d = Bench.Settings.parse(new String[0]);
        assertEquals(Path.of("target", "bench"), d.out());
        assertEquals(2, d.threads());
        assertEquals(512, d.sparkImages());
        assertTrue(d.runs("gradients") && d.runs("spark"));
        Bench.Settings s = Bench.Settings.parse(new String[]{"--out", "/tmp/b", "--threads", "4", "--only",
                "replica,spark", "--reuse-pytorch", "--profile", "--task-threads", "2"});
        assertEquals(Set.of("replica", "spark"), s.only());
        assertTrue(s.runs("replica") && !s.runs("gradients"));
        assertTrue(s.reusePyTorch() && s.profile());
        assertEquals(4, s.threads());
        assertEquals(2, s.taskThreads());
        String m = assertThrows(NoiseLensException.class, () -> Bench.Settings.parse(new String[]{"--threads", "0"})).getMessage();
        assertTrue(m.contains("--threads") && m.contains("positive"), m);
        m = assertThrows(NoiseLensException.class, () -> Bench.Settings.parse(new String[]{"--only", "gpu"})).getMessage();
        assertTrue(m.contains("'gpu'") && m.contains("gradients"), m);
        m = assertThrows(NoiseLensException.class, () -> Bench.Settings.parse(new String[]{"--fast"})).getMessage();
        assertTrue(m.contains("'--fast'") && m.contains("Usage"), m);
    }

    @Test
    void medianIsTakenAfterTwoWarmUpCalls() {
        int[] calls = {0};
        long[] sleeps = {300, 300, 1, 3, 2}; // two slow warm-up calls, then 1, 3, 2 ms
        double t = Bench.median(() -> {
            try {
                Thread.sleep(sleeps[Math.min(calls[0]++, sleeps.length - 1)]);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, 3, 0);
        assertEquals(5, calls[0]);
        assertTrue(t >= 0.002 && t < 0.05, "median " + t);
    }

    /** The torch engine's rows time real calls on a small model: finite, positive seconds and copy times. */
    @Test
    void torchRowsTimeRealCalls() {
        io.noiselens.model.ModelSpec spec = new io.noiselens.model.ModelSpec(io.noiselens.model.SmallCnn.NAME, 3, 32, 32,
                5, java.util.Collections.nCopies(5, "c"), io.noiselens.model.Preprocessing.identity(3));
        io.noiselens.model.ModelFile.Loaded m = new io.noiselens.model.ModelFile.Loaded(spec,
                io.noiselens.model.Architectures.initialWeights(spec, 1), "0".repeat(64));
        double torch = Bench.torchGradientSeconds(m, 4, 1, 0.05);
        double nd4j = Bench.gradientSeconds(m, 4, io.noiselens.model.SameDiffClassifier.GradientPass.INPUT_ONLY, 0.05, null);
        double copy = Bench.copyMillis(m, 4);
        System.out.printf("small CNN 32×32 batch 4: torch engine %.2f ms, ND4J %.2f ms, copy %.3f ms%n", torch * 1e3,
                nd4j * 1e3, copy);
        assertTrue(torch > 0 && torch < 10 && nd4j > 0 && nd4j < 10, torch + " " + nd4j);
        assertTrue(copy >= 0 && copy < 1000, "copy " + copy);
    }
}
