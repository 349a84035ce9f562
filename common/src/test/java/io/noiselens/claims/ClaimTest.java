package io.noiselens.claims;

import io.noiselens.lang.NoiseLensException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The shipped claim files parse at both scales, and a mistaken claim file is refused naming the key. */
class ClaimTest {
    static final Path DIR = Path.of("..", "conf", "claims");

    @Test
    void everyShippedClaimParsesAtBothScalesAndNamesOnlyItsOwnMethods() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertEquals(5, files.size(), files.toString());
        for (Path f : files) {
            String id = f.getFileName().toString().replace(".conf", "");
            Claim full = Claim.parse(id, Files.readString(f), "full", List.of());
            Claim small = Claim.parse(id, Files.readString(f), "small", List.of());
            assertEquals("claims-" + id + "-full", full.job().run().id());
            assertEquals("claims-" + id + "-small", small.job().run().id());
            assertFalse(full.comparisons().isEmpty(), id);
            assertFalse(full.paper().isBlank() || full.statement().isBlank(), id);
            assertTrue(small.job().dataset().builtinImages() < full.job().dataset().builtinImages(), id + ": small is smaller");
            // --set applies last, to every claim.
            assertEquals(3, Claim.parse(id, Files.readString(f), "small", List.of("dataset.builtin.images=3"))
                    .job().dataset().builtinImages());
        }
    }

    @Test
    void mistakesAreRefusedNamingTheKey() {
        String job = "methods = [{kind = gradient}, {kind = smoothgrad, samples = 2}]\n";
        String ok = "claim { paper = p, statement = s, comparisons = [{name = a, metric = sparseness, method = smoothgrad, "
                + "baseline = gradient, expected = better}] }\n" + job;
        assertEquals(Verdict.Expected.BETTER, Claim.parse("x", ok, "small", List.of()).comparisons().get(0).expected());
        assertMessage(ok.replace("method = smoothgrad", "method = noisegrad"), "claim.comparisons[0]", "noisegrad", "smoothgrad");
        assertMessage(ok.replace("expected = better", "expected = sideways"), "claim.comparisons[0].expected", "no_worse");
        assertMessage(ok.replace("metric = sparseness", "metric = sparsenes"), "claim.comparisons[0].metric");
        assertMessage(ok.replace("paper = p", "paper = p, year = 2020"), "claim.year");
        assertMessage(job, "claim");
        NoiseLensException e = assertThrows(NoiseLensException.class, () -> Claim.parse("x", ok, "huge", List.of()));
        assertTrue(e.getMessage().contains("--scale") && e.getMessage().contains("small"), e.getMessage());
        assertEquals("0.05", Claim.label(0.05));
        assertEquals("1", Claim.label(1.0));
        assertEquals("noisegrad_sigma_w0.1", Claim.resolve("noisegrad_sigma_w{sigma_w}", Claim.label(0.1)));
    }

    private static void assertMessage(String hocon, String... parts) {
        NoiseLensException e = assertThrows(NoiseLensException.class, () -> Claim.parse("x", hocon, "small", List.of()));
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }
}
