package io.noiselens.job;

import io.noiselens.claims.Claim;
import io.noiselens.claims.Verdict;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code noiselens reproduce} runs every claim's experiment at a tiny scale (the machinery, not the outcome): the claims
 * table has each claim's comparisons, each figure and interval equal to the paired differences recomputed here from
 * the metrics table, the NoiseGrad paper's noise level is the swept σ_w whose replicas' drop is nearest 7.5 %, and
 * each run's report shows its claim.
 */
class ReproduceTest {
    @TempDir
    static Path dir;

    @Test
    void everyClaimRunsThroughTheJobAndIsDecidedFromItsTables() throws Exception {
        Path out = dir.resolve("out");
        List<String> args = new ArrayList<>(List.of("reproduce", "--scale", "small"));
        for (String s : List.of("run.output=" + out, "dataset.builtin.images=3", "engine.batch_size=3",
                "model.cache_dir=" + dir.resolve("cache"), "model.train_images=200", "model.train_epochs=1",
                "replicas.eval_images=20", "metrics.robustness_samples=2", "metrics.attack_iterations=2",
                "metrics.adversarial_steps=3", "metrics.aupc_patches=2")) {
            args.addAll(List.of("--set", s));
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(0, NoiseLensMain.run(args.toArray(String[]::new), new PrintStream(buf, true)), buf::toString);
        String printed = buf.toString();

        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<Row> claims = spark.read().parquet(out.resolve("claims").toString()).collectAsList();
            Map<String, List<Row>> byClaim = new HashMap<>();
            for (Row r : claims) byClaim.computeIfAbsent(r.getAs("claim_id"), k -> new ArrayList<>()).add(r);
            assertEquals(Set.copyOf(Reproduce.CLAIMS), byClaim.keySet());
            List<Row> metrics = spark.read().parquet(out.resolve("metrics").toString()).collectAsList();
            for (String id : Reproduce.CLAIMS) {
                Claim claim = Claim.parse(id, Reproduce.file(id), "small", List.of());
                List<Row> rows = byClaim.get(id);
                String runId = "claims-" + id + "-small";
                assertEquals(claim.comparisons().size() + (claim.noiseLevel() ? 1 : 0), rows.size(), id);
                List<Verdict.Outcome> outcomes = new ArrayList<>();
                String sigmaW = null;
                if (claim.noiseLevel()) {
                    Row level = rows.stream().filter(r -> r.<String>getAs("expected").equals("report")).findFirst().orElseThrow();
                    assertEquals("reported", level.getAs("outcome"));
                    double chosen = nearestDrop(spark, out, runId);
                    assertEquals(chosen, level.<Double>getAs("figure"), 0, "the σ_w nearest a 7.5 % drop");
                    sigmaW = Claim.label(chosen);
                }
                for (Claim.Comparison c : claim.comparisons()) {
                    Row r = rows.stream().filter(x -> x.<String>getAs("comparison").equals(c.name())).findFirst().orElseThrow();
                    String method = Claim.resolve(c.method(), sigmaW), baseline = Claim.resolve(c.baseline(), sigmaW);
                    assertEquals(method, r.getAs("method"));
                    // The paired differences, recomputed from the metrics table.
                    Map<String, Double> a = new HashMap<>(), b = new HashMap<>();
                    Boolean higher = null;
                    for (Row m : metrics) {
                        if (!m.<String>getAs("run_id").equals(runId) || !m.<String>getAs("metric").equals(c.metric())) continue;
                        double v = m.getAs("value");
                        if (Double.isNaN(v)) continue;
                        String key = m.getAs("image_id") + "|" + m.getAs("model_id");
                        if (m.getAs("method").equals(method)) a.put(key, v);
                        if (m.getAs("method").equals(baseline)) b.put(key, v);
                        higher = m.getAs("higher_is_better");
                    }
                    List<Double> d = new ArrayList<>();
                    for (var e : a.entrySet()) {
                        Double base = b.get(e.getKey());
                        if (base != null) d.add(higher ? e.getValue() - base : base - e.getValue());
                    }
                    assertEquals((long) d.size(), r.<Long>getAs("n"), id + ": " + c.name());
                    Verdict.Outcome outcome = Verdict.Outcome.INCONCLUSIVE;
                    if (d.size() >= 2) {
                        double mean = d.stream().mapToDouble(x -> x).average().orElseThrow(), ss = 0;
                        for (double x : d) ss += (x - mean) * (x - mean);
                        double half = new TDistribution(d.size() - 1).inverseCumulativeProbability(0.975)
                                * Math.sqrt(ss / (d.size() - 1)) / Math.sqrt(d.size());
                        assertEquals(mean, r.<Double>getAs("figure"), 1e-9, id + ": " + c.name());
                        assertEquals(mean - half, r.<Double>getAs("ci95_low"), 1e-9, id + ": " + c.name());
                        assertEquals(mean + half, r.<Double>getAs("ci95_high"), 1e-9, id + ": " + c.name());
                        outcome = Verdict.of(c.expected(), c.margin(), d.size(), mean, Math.sqrt(ss / (d.size() - 1))).outcome();
                    }
                    assertEquals(outcome.text(), r.getAs("outcome"), id + ": " + c.name());
                    outcomes.add(outcome);
                }
                for (Row r : rows) assertEquals(Verdict.Outcome.all(outcomes).text(), r.getAs("claim_outcome"), id);
                assertTrue(printed.contains("Claim " + id + " ("), printed);
                String report = Files.readString(out.resolve("reports").resolve(runId).resolve("index.html"));
                assertTrue(report.contains("<h2 id=\"claims\">Claim: "), id + ": the report's claim section");
                assertEquals(rows.size(), count(report, "<tr class=\"" + "holds") + count(report, "<tr class=\"does-not-hold")
                        + count(report, "<tr class=\"inconclusive") + count(report, "<tr class=\"reported"), id);
            }
        } finally {
            spark.stop();
        }
        String bad = fail("reproduce", "--claims", "noisegrad,telepathy");
        assertTrue(bad.contains("--claims") && bad.contains("telepathy") && bad.contains("smoothtaylor"), bad);
        bad = fail("reproduce", "--scale", "huge");
        assertTrue(bad.contains("--scale") && bad.contains("full"), bad);
        bad = fail("run", "--claims", "dance");
        assertTrue(bad.contains("reproduce"), bad);
    }

    /** The swept σ_w whose replicas lose on average closest to 7.5 % of the clean accuracy, from the replicas table. */
    private static double nearestDrop(SparkSession spark, Path out, String runId) {
        Map<Double, double[]> drops = new HashMap<>();
        for (Row r : spark.read().parquet(out.resolve("replicas").toString()).collectAsList()) {
            if (!r.<String>getAs("run_id").equals(runId) || r.isNullAt(r.fieldIndex("rel_acc_drop"))) continue;
            double[] s = drops.computeIfAbsent(r.getAs("sigma_w"), k -> new double[2]);
            s[0] += r.<Double>getAs("rel_acc_drop");
            s[1]++;
        }
        return drops.entrySet().stream().min(java.util.Comparator.<Map.Entry<Double, double[]>>comparingDouble(
                e -> Math.abs(e.getValue()[0] / e.getValue()[1] - 0.075)).thenComparing(Map.Entry::getKey)).orElseThrow().getKey();
    }

    private static String fail(String... args) {
        return assertThrows(io.noiselens.lang.NoiseLensException.class,
                () -> NoiseLensMain.run(args, new PrintStream(new ByteArrayOutputStream()))).getMessage();
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }
}
