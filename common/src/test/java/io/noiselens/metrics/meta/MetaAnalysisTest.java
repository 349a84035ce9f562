package io.noiselens.metrics.meta;

import io.noiselens.PythonFixtures;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * MetaQuantus's statistics: the Wilcoxon p-value against SciPy's and by hand, and the four criteria on observations
 * whose answers are worked out: a metric that ignores minor perturbations and reacts to disruptive ones scores MC = 1
 * on the parts it controls, one that does the opposite scores low.
 */
class MetaAnalysisTest {
    @Test
    void wilcoxonMatchesScipyAndTheHandWorkedCase() throws Exception {
        // d = [0, 1, 1, −1, 2]: ranks 1, 3, 3, 3, 5; W⁺ = 11.5, W⁻ = 3.5; se² = (330 − ½·3·8)/24 = 13.25.
        double z = (3.5 - 7.5) / Math.sqrt(13.25);
        double expected = 2 * new org.apache.commons.math3.distribution.NormalDistribution().cumulativeProbability(z);
        assertEquals(expected, Wilcoxon.pValue(new double[]{1, 2, 3, 4, 5}, new double[]{1, 1, 2, 5, 3}), 1e-12);
        assertEquals(1, Wilcoxon.pValue(new double[]{1, 2, 3}, new double[]{1, 2, 3}), 1e-12, "no change: p = 1");
        assertTrue(Double.isNaN(Wilcoxon.pValue(new double[0], new double[0])));

        Path dir = Path.of("target", "wilcoxon");
        Files.createDirectories(dir);
        List<double[][]> cases = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            int n = 3 + 7 * c;
            double[] a = new double[n], b = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = Math.round(4 * KeyedRandom.uniform(c, i)) / 2.0;            // ties and zero differences
                b[i] = Math.round(4 * KeyedRandom.uniform(c + 100, i)) / 2.0 + (c % 2) * 0.25;
            }
            cases.add(new double[][]{a, b});
        }
        StringBuilder sb = new StringBuilder();
        for (double[][] ab : cases) {
            for (double v : ab[0]) sb.append(v).append(' ');
            sb.append('|');
            for (double v : ab[1]) sb.append(' ').append(v);
            sb.append('\n');
        }
        Files.writeString(dir.resolve("pairs.txt"), sb);
        PythonFixtures.run("wilcoxon_reference.py", dir, "python3-scipy");
        List<String> p = Files.readAllLines(dir.resolve("p.txt"));
        for (int c = 0; c < cases.size(); c++) {
            assertEquals(Double.parseDouble(p.get(c)), Wilcoxon.pValue(cases.get(c)[0], cases.get(c)[1]), 1e-12, "case " + c);
        }
    }

    /**
     * Two methods, 12 images, one iteration, one perturbation per test. Metric "good" keeps every score under minor
     * perturbations (IAC_NR = p = 1, IEC_NR = 1) and, higher being better, halves them under disruptive ones (IEC_AR
     * = 1; IAC_AR = 1 − p of twelve equal-signed differences). Metric "bad" does the reverse.
     */
    @Test
    void theFourCriteriaRewardResilienceAndReactivity() {
        List<MetaAnalysis.Observation> obs = new ArrayList<>();
        for (String metric : List.of("good", "bad")) {
            boolean good = metric.equals("good");
            for (MetaTest t : MetaTest.values()) {
                for (String method : List.of("m1", "m2")) {
                    for (int i = 0; i < 12; i++) {
                        double q = (method.equals("m1") ? 10 : 20) + i;
                        boolean moves = good == t.adversary();
                        double qh = moves ? q / 2 : q;
                        obs.add(new MetaAnalysis.Observation(metric, method, "img" + i, t, 0, 0, q, qh, t.adversary()));
                    }
                }
            }
        }
        List<MetaAnalysis.Result> results = MetaAnalysis.analyse(obs, Map.of("good", true, "bad", true));
        assertEquals(4, results.size(), "two metrics × model and input");
        double pHalved = Wilcoxon.pValue(series(10, 12, 1), series(10, 12, 0.5));
        for (MetaAnalysis.Result r : results) {
            if (r.metric().equals("good")) {
                assertEquals(1, r.iacNr(), 1e-12);
                assertEquals(1 - pHalved, r.iacAr(), 1e-12);
                assertEquals(1, r.iecNr(), 1e-12);
                assertEquals(1, r.iecAr(), 1e-12);
                assertEquals((3 + 1 - pHalved) / 4, r.mc(), 1e-12);
                assertEquals(1, r.rank());
            } else {
                assertEquals(pHalved, r.iacNr(), 1e-12);
                assertEquals(0, r.iacAr(), 1e-12);
                assertEquals(1, r.iecNr(), 1e-12, "halving both methods keeps their order");
                assertEquals(0, r.iecAr(), 1e-12, "an unchanged score is not worse");
                assertEquals(2, r.rank());
            }
            assertEquals(12, r.resilienceImages(), 1e-12);
            assertEquals(12, r.adversaryImages(), 1e-12);
            assertEquals(0, r.mcStd(), 1e-12, "one iteration");
        }
        // Lower-is-better: halving is an improvement, so IEC_AR counts none of it as worse.
        List<MetaAnalysis.Result> lower = MetaAnalysis.analyse(obs, Map.of("good", false, "bad", false));
        assertEquals(0, lower.stream().filter(r -> r.metric().equals("good")).findFirst().orElseThrow().iecAr(), 1e-12);
    }

    private static double[] series(double start, int n, double scale) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = (start + i) * scale;
        return out;
    }
}
