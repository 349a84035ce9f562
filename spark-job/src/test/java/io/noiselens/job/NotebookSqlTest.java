package io.noiselens.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.PythonFixtures;
import io.noiselens.config.JobConfigLoader;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SmallCnn;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every query of {@code notebooks/sql} executed against the tables of two real runs of the job (a nightly and its
 * re-run), with Spark's own {@code ${variable}} substitution as the notebooks use it; each result is checked against
 * the same numbers computed here from the tables. The notebooks must parse, name only existing queries and use them
 * all.
 */
class NotebookSqlTest {
    static final Path NOTEBOOKS = Path.of("..", "notebooks");
    static final String METHODS = "methods = [{kind = gradient}, {kind = smoothgrad, samples = 3, sigma = [0.05, 0.2]}]";

    @TempDir
    static Path dir;
    static SparkSession spark;

    @BeforeAll
    static void twoRuns() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("noiselens-sql-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").config("spark.sql.session.timeZone", "UTC").getOrCreate();
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 64, 64, 5, SyntheticShapes.CLASSES, Preprocessing.identity(3));
        Path model = dir.resolve("model.nlm");
        ModelFile.save(model, spec, Architectures.initialWeights(spec, 3));
        Path out = dir.resolve("out");
        for (String run : List.of("nightly-2026-11-30", "nightly-2026-12-01")) {
            ExplainJob.run(spark, JobConfigLoader.fromString(METHODS, List.of("run.id=" + run, "run.output=" + out,
                    "model.path=" + model, "dataset.builtin.images=15", "engine.batch_size=5",
                    "metrics.names=[sparseness, pointing_game, fidelity_error]", "metrics.bootstrap_samples=200")));
        }
        for (String t : List.of("attributions", "metrics", "summary", "runs")) {
            spark.read().parquet(out.resolve(t).toString()).createOrReplaceTempView(t);
        }
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    /** A query with its :parameters bound as values (Spark's parameterised SQL), as noiselens_sql.query does. */
    static List<Row> query(String name, Map<String, Object> params) throws Exception {
        return spark.sql(Files.readString(NOTEBOOKS.resolve("sql").resolve(name + ".sql")), params).collectAsList();
    }

    static final Set<String> TESTED = Set.of("leaderboard", "per_class", "sigma_sweep", "heatmaps", "run_over_run");

    @Test
    void everyQueryIsTestedAndEveryNotebookParses() throws Exception {
        Set<String> files;
        try (var s = Files.list(NOTEBOOKS.resolve("sql"))) {
            files = s.map(p -> p.getFileName().toString().replace(".sql", "")).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(new TreeSet<>(TESTED), files, "a query without a test, or a test without its query");
        Set<String> used = new TreeSet<>();
        StringBuilder code = new StringBuilder(Files.readString(NOTEBOOKS.resolve("noiselens_sql.py")));
        try (var s = Files.list(NOTEBOOKS)) {
            for (Path nb : s.filter(p -> p.toString().endsWith(".ipynb")).toList()) {
                JsonNode j = new ObjectMapper().readTree(nb.toFile());
                assertEquals(4, j.get("nbformat").asInt(), nb.toString());
                for (JsonNode cell : j.get("cells")) {
                    if (!cell.get("cell_type").asText().equals("code")) continue;
                    String src = cell.get("source").isArray() ? String.join("", new ObjectMapper()
                            .convertValue(cell.get("source"), String[].class)) : cell.get("source").asText();
                    var m = java.util.regex.Pattern.compile("query\\(spark, \"(\\w+)\"").matcher(src);
                    while (m.find()) used.add(m.group(1));
                    code.append("\n\ndef _cell():\n").append(src.indent(4));
                }
            }
        }
        assertEquals(files, used, "every query is used by a notebook, and notebooks use only existing queries");
        Path all = dir.resolve("notebook_code.py");
        Files.writeString(all, code.toString());
        Process p = new ProcessBuilder(PythonFixtures.PYTHON, "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())",
                all.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "the notebooks' Python does not parse: " + log);
    }

    @Test
    void leaderboardRanksByEachMetricsDirection() throws Exception {
        List<Row> rows = query("leaderboard", Map.of("run_id", "nightly-2026-12-01"));
        Map<String, Row> first = new HashMap<>();
        for (Row r : rows) if (r.<Integer>getAs("rank") == 1) first.put(r.getAs("metric"), r);
        assertEquals(Set.of("sparseness", "pointing_game", "fidelity_error"), first.keySet());
        for (String metric : first.keySet()) {
            Row best = spark.sql("SELECT method, mean, higher_is_better FROM summary WHERE run_id = 'nightly-2026-12-01' "
                    + "AND label_name IS NULL AND metric = '" + metric + "' AND mean IS NOT NULL ORDER BY "
                    + "CASE WHEN higher_is_better THEN -mean ELSE mean END LIMIT 1").first();
            assertEquals(best.getDouble(1), first.get(metric).<Double>getAs("mean"), 0.0, metric);
        }
        assertEquals(3 * 3, rows.size(), "three methods × three metrics");
    }

    @Test
    void perClassShowsEveryClassAgainstTheOverallMean() throws Exception {
        List<Row> rows = query("per_class", Map.of("run_id", "nightly-2026-12-01", "metric", "sparseness"));
        assertEquals(3 * SyntheticShapes.CLASSES.size(), rows.size());
        for (Row r : rows) {
            double overall = spark.sql("SELECT avg(value) FROM metrics WHERE run_id = 'nightly-2026-12-01' "
                    + "AND metric = 'sparseness' AND method = '" + r.getAs("method") + "'").first().getDouble(0);
            double own = spark.sql("SELECT avg(value) FROM metrics WHERE run_id = 'nightly-2026-12-01' "
                    + "AND metric = 'sparseness' AND method = '" + r.getAs("method") + "' AND label_name = '"
                    + r.getAs("label_name") + "'").first().getDouble(0);
            assertEquals(own, r.<Double>getAs("mean"), 1e-12);
            assertEquals(own - overall, r.<Double>getAs("mean_minus_overall"), 1e-12);
        }
    }

    @Test
    void sigmaSweepReadsTheNoiseLevelFromTheMethodParameters() throws Exception {
        List<Row> rows = query("sigma_sweep", Map.of("run_id", "nightly-2026-12-01"));
        // The sweep's origin is the method without noise (gradient, σ = 0, fidelity error 0), then σ = 0.05 and 0.2.
        assertEquals(3, rows.size(), rows.toString());
        assertEquals(List.of("gradient", "smoothgrad_sigma0.05", "smoothgrad_sigma0.2"),
                rows.stream().map(r -> r.<String>getAs("method")).toList());
        assertEquals(0.0, rows.get(0).<Double>getAs("sigma_x"), 0.0);
        assertEquals(0.0, rows.get(0).<Double>getAs("fidelity_error"), 0.0);
        assertEquals(0.05, rows.get(1).<Double>getAs("sigma_x"), 1e-12);
        assertEquals(0.2, rows.get(2).<Double>getAs("sigma_x"), 1e-12);
        for (Row r : rows) {
            double fidelity = spark.sql("SELECT avg(value) FROM metrics WHERE run_id = 'nightly-2026-12-01' "
                    + "AND metric = 'fidelity_error' AND method = '" + r.getAs("method") + "'").first().getDouble(0);
            assertEquals(fidelity, r.<Double>getAs("fidelity_error"), 1e-12);
            assertEquals(15L, (long) r.getAs("n_maps"));
            assertNull(r.getAs("stability_error"), "one model: no stability error");
        }
    }

    @Test
    void heatmapsHoldEveryMethodsMapOfTheChosenImages() throws Exception {
        List<Row> rows = query("heatmaps", Map.of("run_id", "nightly-2026-12-01", "image_ids",
                new String[]{"eval-1", "eval-7", "it's-not-there'); DROP VIEW attributions; --"}));
        assertEquals(2 * 3, rows.size());
        for (Row r : rows) {
            assertEquals((int) r.getAs("channels") * (int) r.getAs("height") * (int) r.getAs("width"), r.getList(r.fieldIndex("map")).size());
        }
        // Ids are values, never SQL text: a run id with a quote finds nothing and breaks nothing.
        assertEquals(0, query("leaderboard", Map.of("run_id", "o'brien")).size());
        assertTrue(spark.catalog().tableExists("attributions"));
    }

    @Test
    void runOverRunOfADeterministicReRunChangesNothing() throws Exception {
        List<Row> rows = query("run_over_run", Map.of("run_id", "nightly-2026-12-01", "previous_run_id", "nightly-2026-11-30"));
        Dataset<Row> summary = spark.table("summary").where("run_id = 'nightly-2026-12-01' AND label_name IS NULL");
        assertEquals(summary.count(), rows.size());
        for (Row r : rows) {
            if (r.isNullAt(r.fieldIndex("mean"))) continue;
            assertEquals(0.0, r.<Double>getAs("change"), 0.0, "same seed, same data, same model: " + r);
            assertFalse(r.<Boolean>getAs("intervals_disjoint"));
            assertTrue(((java.sql.Timestamp) r.getAs("finished_at")).after(r.getAs("previous_finished_at")));
        }
    }
}
