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
}
