package io.noiselens.job;

import io.noiselens.config.JobConfig;
import io.noiselens.config.JobConfigLoader;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.image.ImageDecoder;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SmallCnn;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The job end to end in Spark local mode: a real model file through the real loader, the built-in set and a folder
 * of real PNG/JPEG files with planted bad files, Parquet tables read back with Spark SQL.
 */
class ExplainJobTest {
    static final String METHODS = "methods = [{kind = gradient}, "
            + "{kind = integrated_gradients, steps = 8}, {kind = smoothgrad, samples = 3}, "
            + "{kind = noisegrad, replicas = 3, abs = before_aggregation}, {kind = fusiongrad, replicas = 2, samples = 2}]";
    static final int N_METHODS = 5;

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path modelFile;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("noiselens-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.session.timeZone", "UTC").getOrCreate();
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 64, 64, 5, SyntheticShapes.CLASSES,
                new Preprocessing(new float[]{0.5f, 0.5f, 0.5f}, new float[]{0.25f, 0.25f, 0.25f},
                        new float[]{0.45f, 0.5f, 0.55f}));
        modelFile = dir.resolve("model.nlm");
        ModelFile.save(modelFile, spec, Architectures.initialWeights(spec, 17));
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    static JobConfig config(Path out, String... sets) {
        List<String> all = new ArrayList<>(List.of("run.output=" + out, "model.path=" + modelFile,
                "dataset.builtin.images=24", "engine.batch_size=5", "engine.micro_batch=16", "metrics.causal_step=512", "metrics.robustness_samples=1", "metrics.aupc_patches=4",
                "metrics.adversarial_steps=3", "metrics.attack_iterations=2",
                "metrics.names=[sparseness, deletion_auc]"));
        all.addAll(List.of(sets));
        return JobConfigLoader.fromString(METHODS, all);
    }

    static Dataset<Row> table(Path out, String name) {
        return spark.read().parquet(out.resolve(name).toString());
    }

    @Test
    void builtinRunWritesOneFiniteMapPerImageAndMethodAndARunRecord() {
        Path out = dir.resolve("builtin");
        int loadsBefore = ExecutorModelCache.loads();
        ExplainJob.Outcome o = ExplainJob.run(spark, config(out, "run.id=a", "spark.partitions=4", "metrics.names=[]"));
        assertEquals(24, o.images());
        assertEquals(24 * N_METHODS, o.attributions());
        assertEquals(0, o.errors());
        assertEquals(24, o.explainedImages(), "writing the tables reran the model passes");
        assertTrue(ExecutorModelCache.loads() - loadsBefore <= 1, "model parsed more than once in one JVM");

        table(out, "attributions").createOrReplaceTempView("attributions");
        StructType schema = spark.table("attributions").schema();
        for (String c : Tables.ATTRIBUTION_COLUMNS) assertTrue(List.of(schema.fieldNames()).contains(c), c);
        assertEquals(0, spark.sql("SELECT image_id, method FROM attributions WHERE run_id = 'a' "
                + "GROUP BY image_id, method HAVING count(*) > 1").count());
        assertEquals(24 * N_METHODS, spark.sql("SELECT * FROM attributions WHERE run_id = 'a' AND "
                + "size(map) = channels * height * width AND channels = 1 AND height = 64 AND width = 64 AND "
                + "NOT exists(map, x -> isnan(x) OR x = double('inf') OR x = double('-inf')) AND map_l2 > 0").count());
        Row ig = spark.sql("SELECT count(*), max(ig_rel_delta) FROM attributions WHERE run_id = 'a' "
                + "AND method = 'integrated_gradients' AND ig_delta IS NOT NULL").first();
        assertEquals(24, ig.getLong(0));
        Row params = spark.sql("SELECT get_json_object(method_params, '$.N'), get_json_object(method_params, '$.abs') "
                + "FROM attributions WHERE method = 'noisegrad' LIMIT 1").first();
        assertEquals("3", params.getString(0));
        assertEquals("before_aggregation", params.getString(1));

        // Metrics: every map scored by every metric (the built-in set has masks), values in range, and a summary.
        var catalogue = io.noiselens.metrics.catalogue.MetricCatalogue.names();
        var defaults = io.noiselens.metrics.catalogue.MetricCatalogue.Settings.defaults();
        int nMetrics = io.noiselens.metrics.catalogue.MetricCatalogue.create(catalogue, defaults, "t").size()
                + io.noiselens.metrics.catalogue.MetricCatalogue.createGroups(catalogue, defaults).size();
        assertEquals(24L * N_METHODS * nMetrics, o.metricValues());
        table(out, "metrics").createOrReplaceTempView("metrics");
        assertEquals(0, spark.sql("SELECT image_id, method, metric FROM metrics WHERE run_id = 'a' "
                + "GROUP BY image_id, method, metric HAVING count(*) > 1").count());
        assertEquals(0, spark.sql("SELECT * FROM metrics WHERE run_id = 'a' AND category = 'localisation' "
                + "AND NOT (value BETWEEN 0 AND 1)").count());
        assertEquals(0, spark.sql("SELECT * FROM metrics WHERE run_id = 'a' AND isnan(value) AND nan_reason IS NULL").count());
        assertEquals(0, spark.sql("SELECT * FROM metrics WHERE run_id = 'a' AND category = 'robustness' "
                + "AND NOT (value >= 0) AND method <> 'gradient'").count());
        // Focus (mosaics with the run's partner pool) and the group metrics score every map.
        for (String metric : List.of("focus", "sufficiency", "consistency", "completeness", "smooth_mprt")) {
            assertEquals(24L * N_METHODS, spark.sql("SELECT * FROM metrics WHERE run_id = 'a' AND metric = '" + metric
                    + "' AND NOT isnan(value)").count(), metric);
        }
        Row del = spark.sql("SELECT count(*), min(size(curve)), max(value) FROM metrics WHERE run_id = 'a' "
                + "AND metric = 'deletion_auc'").first();
        assertEquals(24L * N_METHODS, del.getLong(0));
        assertEquals(9, del.getInt(1)); // 4096 pixels in steps of 512, plus the start
        assertTrue(del.getDouble(2) <= 1);
        table(out, "summary").createOrReplaceTempView("summary");
        assertEquals(N_METHODS * nMetrics, spark.sql("SELECT * FROM summary WHERE run_id = 'a' AND label_name IS NULL").count());
        assertEquals(0, spark.sql("SELECT * FROM summary WHERE run_id = 'a' AND n > 1 AND "
                + "NOT (ci95_low <= mean AND mean <= ci95_high)").count());
        Row sp = spark.sql("SELECT s.mean, avg(m.value), s.n FROM summary s JOIN metrics m ON m.run_id = s.run_id "
                + "AND m.method = s.method AND m.metric = s.metric WHERE s.run_id = 'a' AND s.metric = 'sparseness' "
                + "AND s.method = 'gradient' AND s.label_name IS NULL GROUP BY s.mean, s.n").first();
        assertEquals(sp.getDouble(1), sp.getDouble(0), 1e-12);
        assertEquals(24, sp.getLong(2));
        assertEquals(5 * N_METHODS * nMetrics, spark.sql("SELECT * FROM summary WHERE run_id = 'a' "
                + "AND label_name IS NOT NULL").count());

        // Replicas: the three σ_w = 0.2 replicas (NoiseGrad's N = 3 covers FusionGrad's 2) on all 24 images.
        List<Row> reps = table(out, "replicas").where("run_id = 'a'").orderBy("replica_idx").collectAsList();
        assertEquals(3, reps.size());
        for (int i = 0; i < 3; i++) {
            Row r = reps.get(i);
            assertEquals(i, (int) r.getAs("replica_idx"));
            assertEquals(0.2, (double) r.getAs("sigma_w"), 1e-12);
            assertEquals(24L, (long) r.getAs("n_images"));
            double acc = r.getAs("accuracy"), clean = r.getAs("clean_accuracy");
            assertTrue(acc >= 0 && acc <= 1 && clean >= 0 && clean <= 1);
            assertEquals(clean - acc, (double) r.getAs("acc_drop"), 1e-12);
            assertEquals((double) reps.get(0).getAs("clean_accuracy"), clean, 0);
        }

        Row run = table(out, "runs").where("run_id = 'a'").first();
        assertEquals("succeeded", run.getAs("status"));
        assertEquals(24L, (long) run.getAs("n_images"));
        assertEquals(24L * N_METHODS, (long) run.getAs("n_attributions"));
        assertTrue(((String) run.getAs("config_json")).contains("\"micro_batch\":16"));
        assertFalse(Files.exists(out.resolve(Tables.RESULTS_STAGING).resolve("run_id=a")), "staging left behind");
    }

    @Test
    void modelsTrainedOnDisjointSplitsAreComparedBySparkSqlStabilityAndFidelity() {
        Path out = dir.resolve("stability");
        ExplainJob.Outcome o = ExplainJob.run(spark, JobConfigLoader.fromString(
                "methods = [{kind = gradient}, {kind = smoothgrad, samples = 4, sigma = 0.2}]", List.of(
                        "run.output=" + out, "run.id=s", "model.path=builtin:demo", "model.splits=2",
                        "model.train_images=200", "model.train_epochs=1", "model.cache_dir=" + dir.resolve("cache"),
                        "dataset.builtin.images=6", "engine.batch_size=3",
                        "metrics.names=[fidelity_error, stability_error, stability_error_normalised]")));
        assertEquals(6 * 2 * 2, o.attributions(), "every image × method × model");
        assertTrue(Files.exists(dir.resolve("cache")) && dir.resolve("cache").toFile().list().length == 2,
                "two demo models trained and cached");
        table(out, "attributions").createOrReplaceTempView("st_maps");
        List<Row> maps = spark.sql("SELECT image_id, method, model_id, map FROM st_maps ORDER BY image_id, method, model_id")
                .collectAsList();
        assertEquals(2, maps.stream().map(r -> r.getString(2)).distinct().count());
        Map<String, Double> expected = new HashMap<>(), expectedNormalised = new HashMap<>();
        for (int k = 0; k < maps.size(); k += 2) {
            List<Float> a = maps.get(k).getList(3), b = maps.get(k + 1).getList(3);
            double ss = 0, na = 0, nb = 0, ssn = 0;
            for (int p = 0; p < a.size(); p++) {
                ss += Math.pow(a.get(p) - b.get(p), 2);
                na += a.get(p) * a.get(p);
                nb += b.get(p) * b.get(p);
            }
            for (int p = 0; p < a.size(); p++) ssn += Math.pow(a.get(p) / Math.sqrt(na) - b.get(p) / Math.sqrt(nb), 2);
            String key = maps.get(k).getString(0) + "/" + maps.get(k).getString(1);
            expected.put(key, Math.sqrt(ss));
            expectedNormalised.put(key, Math.sqrt(ssn));
        }
        table(out, "metrics").createOrReplaceTempView("st_metrics");
        List<Row> st = spark.sql("SELECT image_id, method, metric, model_id, value FROM st_metrics "
                + "WHERE metric LIKE 'stability%'").collectAsList();
        assertEquals(6 * 2 * 2, st.size());
        for (Row r : st) {
            String key = r.getString(0) + "/" + r.getString(1);
            double want = r.getString(2).equals("stability_error") ? expected.get(key) : expectedNormalised.get(key);
            assertEquals(want, r.getDouble(4), 1e-4 * Math.max(1, want), key + " " + r.getString(2));
            assertTrue(r.getString(3).contains(" vs "), r.getString(3));
        }
        Row fidelity = spark.sql("SELECT max(CASE WHEN method = 'gradient' THEN value END), "
                + "min(CASE WHEN method = 'smoothgrad' THEN value END), count(*) FROM st_metrics WHERE metric = 'fidelity_error'").first();
        assertEquals(0, fidelity.getDouble(0), 1e-6, "a noise-free method is its own σ → 0 limit");
        assertTrue(fidelity.getDouble(1) > 0, "SmoothGrad departs from the gradient");
        assertEquals(6 * 2 * 2, fidelity.getLong(2), "fidelity per model");
        table(out, "summary").createOrReplaceTempView("st_summary");
        assertEquals(2, spark.sql("SELECT * FROM st_summary WHERE metric = 'stability_error' AND label_name IS NULL").count());
        assertEquals(4, spark.sql("SELECT * FROM st_summary WHERE metric = 'fidelity_error' AND label_name IS NULL").count());
        assertTrue(table(out, "runs").first().<String>getAs("model_id").contains(","));
    }

    @Test
    void theSeedsMethodsAndAdversarialEvaluationsRunEndToEnd() {
        Path out = dir.resolve("seeds");
        ExplainJob.Outcome o = ExplainJob.run(spark, JobConfigLoader.fromString("methods = [{kind = gradient}, "
                + "{kind = smoothtaylor, samples = 4, adaptive = autvc}, "
                + "{kind = relex, samples = 3, iterations = 3}, "
                + "{kind = dance, patch = 16, stride = 16, iterations = 2}]", List.of(
                "run.output=" + out, "run.id=seeds", "model.path=" + modelFile, "dataset.builtin.images=4",
                "engine.batch_size=2", "metrics.adversarial_steps=5", "metrics.attack_iterations=3",
                "metrics.names=[adversarial_retrieval, attack_top_k_intersection, attack_spearman, sparseness]")));
        assertEquals(4 * 4, o.attributions());
        assertEquals(0, o.errors());
        table(out, "attributions").createOrReplaceTempView("seed_maps");
        Row st = spark.sql("SELECT count(*), min(CAST(get_json_object(method_params, '$.sigma_chosen') AS DOUBLE)), "
                + "max(get_json_object(method_params, '$.adaptive_objective')) FROM seed_maps WHERE method = 'smoothtaylor'").first();
        assertEquals(4, st.getLong(0));
        assertTrue(st.getDouble(1) >= 0, "every SmoothTaylor map records the σ adaptive noising chose");
        assertEquals("autvc", st.getString(2));
        Row dance = spark.sql("SELECT min(CAST(get_json_object(method_params, '$.decoys') AS INT)), "
                + "min(CAST(get_json_object(method_params, '$.valid_decoys') AS INT)) FROM seed_maps WHERE method = 'dance'").first();
        assertEquals(2 * 16, dance.getInt(0), "16 patches of 16×16 on 64×64, two signs");
        assertTrue(dance.getInt(1) >= 0);
        Row relex = spark.sql("SELECT min(array_min(map)), max(array_max(map)), max(channels) FROM seed_maps "
                + "WHERE method = 'relex' AND get_json_object(method_params, '$.relex_iterations') = '3'").first();
        assertTrue(relex.getFloat(0) >= 0 && relex.getFloat(1) <= 3, "a mask in [0, 1] per channel, summed over 3");
        table(out, "metrics").createOrReplaceTempView("seed_metrics");
        assertEquals(4 * 4 * 4, spark.sql("SELECT * FROM seed_metrics").count());
        assertEquals(0, spark.sql("SELECT * FROM seed_metrics WHERE metric = 'attack_top_k_intersection' "
                + "AND NOT (value BETWEEN 0 AND 1)").count());
        assertEquals(0, spark.sql("SELECT * FROM seed_metrics WHERE isnan(value) AND nan_reason IS NULL").count());
        table(out, "summary").createOrReplaceTempView("seed_summary");
        // Retrieval rate and attack robustness per method, in the summary like every other metric.
        assertEquals(4, spark.sql("SELECT DISTINCT method FROM seed_summary WHERE metric = 'attack_spearman' "
                + "AND label_name IS NULL AND category = 'adversarial'").count());
        assertEquals(4, spark.sql("SELECT DISTINCT method FROM seed_summary WHERE metric = 'adversarial_retrieval' "
                + "AND label_name IS NULL").count());
    }

    /**
     * metrics.meta_evaluation: every metric is meta-evaluated under the four MetaQuantus tests on the covered images,
     * ranked within each perturbation kind in the meta table, and summarised; a re-partitioned run covers the same
     * images and writes the same table.
     */
    @Test
    void theMetaEvaluationRanksTheMetricsAndIsSummarised() {
        Path out = dir.resolve("meta");
        List<String> sets = List.of("metrics.names=[sparseness, deletion_auc, pointing_game, completeness]",
                "metrics.meta_evaluation=true", "metrics.meta_iterations=2", "metrics.meta_perturbations=2",
                "metrics.meta_images=8", "dataset.builtin.images=16");
        List<String> first = new ArrayList<>(sets);
        first.addAll(List.of("run.id=m1", "spark.partitions=1"));
        ExplainJob.run(spark, config(out, first.toArray(String[]::new)));
        Dataset<Row> meta = table(out, "meta").where("run_id = 'm1'");
        assertEquals(8, meta.count(), "4 metrics × model and input perturbations");
        assertEquals(0, meta.where("NOT (iac_nr BETWEEN 0 AND 1 AND iac_ar BETWEEN 0 AND 1 AND iec_nr BETWEEN 0 AND 1 "
                + "AND iec_ar BETWEEN 0 AND 1 AND mc BETWEEN 0 AND 1)").count(), "criteria in [0, 1]");
        for (String kind : List.of("model", "input")) {
            List<Row> ranks = meta.where("perturbation = '" + kind + "'").orderBy("rank").select("rank", "mc").collectAsList();
            for (int i = 0; i < ranks.size(); i++) {
                assertEquals(i + 1, ranks.get(i).getInt(0));
                if (i > 0) assertTrue(ranks.get(i).getDouble(1) <= ranks.get(i - 1).getDouble(1), "ranked by MC");
            }
        }
        // Each test selects among the covered images (about half of the 16).
        Row images = meta.selectExpr("max(greatest(images_resilience, images_adversary))").first();
        assertTrue(images.getDouble(0) >= 1 && images.getDouble(0) <= 16, "the covered images: " + images);
        // Model adversary (σ = 2) changes most predictions, model resilience (σ = 0.001) almost none: both tests
        // select most of the covered images.
        Row model = meta.where("perturbation = 'model'").selectExpr("avg(images_adversary)", "avg(images_resilience)").first();
        double covered = images.getDouble(0);
        assertTrue(model.getDouble(0) >= covered / 2 && model.getDouble(1) >= 0.9 * covered, model.toString());
        assertEquals(8, table(out, "summary").where("run_id = 'm1' AND method LIKE 'meta_evaluation:%'").count());

        List<String> second = new ArrayList<>(sets);
        second.addAll(List.of("run.id=m4", "spark.partitions=4", "engine.batch_size=3"));
        ExplainJob.run(spark, config(out, second.toArray(String[]::new)));
        Dataset<Row> again = table(out, "meta").where("run_id = 'm4'").drop("run_id");
        assertEquals(0, meta.drop("run_id").select("model_id", "metric", "perturbation", "images_resilience",
                "images_adversary", "rank").except(again.select("model_id", "metric", "perturbation", "images_resilience",
                "images_adversary", "rank")).count(), "the same images, selections and ranks however partitioned");
    }

    @Test
    void onePartitionAndFourGiveEqualMapsAndARerunGivesIdenticalRows() {
        Path out = dir.resolve("determinism");
        // The group metrics score each map among the maps of its group, which a hash of the image id picks.
        String metrics = "metrics.names=[sparseness, deletion_auc, sufficiency, consistency]";
        ExplainJob.run(spark, config(out, "run.id=p1", "spark.partitions=1", metrics));
        Map<String, float[]> one = maps(table(out, "attributions").where("run_id = 'p1'"));
        ExplainJob.run(spark, config(out, "run.id=p4", "spark.partitions=4", "engine.batch_size=3", metrics));
        Map<String, float[]> four = maps(table(out, "attributions").where("run_id = 'p4'"));
        Dataset<Row> m = table(out, "metrics");
        Row group = m.as("a").join(m.as("b"), org.apache.spark.sql.functions.expr("a.image_id = b.image_id AND "
                + "a.method = b.method AND a.metric = b.metric AND a.run_id = 'p1' AND b.run_id = 'p4' AND "
                + "a.metric IN ('sufficiency', 'consistency')")).selectExpr("count(*)", "max(abs(a.value - b.value))",
                "min(a.value)", "max(a.value)").first();
        assertEquals(2L * 24 * N_METHODS, group.getLong(0));
        assertEquals(0, group.getDouble(1), 1e-9, "group metrics depend on the partitioning");
        assertTrue(group.getDouble(2) >= 0 && group.getDouble(3) <= 1);
        assertEquals(one.keySet(), four.keySet());
        for (String k : one.keySet()) {
            float[] a = one.get(k), b = four.get(k);
            double max = 0;
            for (float v : a) max = Math.max(max, Math.abs(v));
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-5 * max, k + " element " + i);
        }
        List<Row> before = table(out, "attributions").where("run_id = 'p1'").drop("run_id").collectAsList();
        ExplainJob.run(spark, config(out, "run.id=p1", "spark.partitions=1", metrics));
        Dataset<Row> again = table(out, "attributions").where("run_id = 'p1'").drop("run_id");
        assertEquals(before.size(), again.count());
        assertEquals(0, spark.createDataFrame(before, again.schema()).except(again).count(), "re-run changed rows");
    }

    @Test
    void rerunningARunIdReplacesOnlyThatRunsPartitions() {
        Path out = dir.resolve("replace");
        ExplainJob.run(spark, config(out, "run.id=keep"));
        ExplainJob.run(spark, config(out, "run.id=redo"));
        ExplainJob.run(spark, config(out, "run.id=redo", "dataset.builtin.images=10"));
        assertEquals(24 * N_METHODS, table(out, "attributions").where("run_id = 'keep'").count());
        assertEquals(10 * N_METHODS, table(out, "attributions").where("run_id = 'redo'").count());
        assertEquals(1, table(out, "runs").where("run_id = 'redo'").count());
        assertEquals(2, table(out, "runs").count());
    }

    @Test
    void folderDatasetDecodesRealFilesAndQuarantinesBadOnes() throws Exception {
        Path root = dir.resolve("images");
        SyntheticShapes shapes = new SyntheticShapes(3, 80);
        for (int i = 0; i < 10; i++) {
            LabeledImage img = shapes.image("folder", i);
            Path classDir = root.resolve(SyntheticShapes.CLASSES.get(img.label()));
            Files.createDirectories(classDir);
            String format = i % 2 == 0 ? "png" : "jpg";
            Files.write(classDir.resolve("img" + i + "." + format),
                    ImageDecoder.encode(img.pixels(), 3, img.height(), img.width(), format));
        }
        Files.write(root.resolve("disk").resolve("corrupt.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, 1, 2, 3, 4, 5});
        Files.write(root.resolve("ring").resolve("empty.png"), new byte[0]);
        Files.writeString(root.resolve("ring").resolve("notes.txt"), "not an image, not matched by the extensions: "
                + "accounted for in the errors table all the same");
        LabeledImage stray = shapes.image("folder", 99);
        Files.write(root.resolve("stray.png"), ImageDecoder.encode(stray.pixels(), 3, 80, 80, "png"));

        Path out = dir.resolve("folder-out");
        ExplainJob.Outcome o = ExplainJob.run(spark, config(out, "run.id=f", "dataset.kind=folder",
                "dataset.folder.path=" + root, "metrics.names=[]"));
        assertEquals(14, o.images());
        assertEquals(4, o.errors());
        assertEquals(10 * N_METHODS, o.attributions());
        assertEquals(10, o.explainedImages());
        // No masks in a plain folder: by default only the metrics that need none are computed (Focus localises on its
        // own mosaics); the group metrics score every map.
        assertEquals(0, table(out, "metrics").where("category = 'localisation' AND metric <> 'focus'").count());
        var catalogue = io.noiselens.metrics.catalogue.MetricCatalogue.names();
        var defaults = io.noiselens.metrics.catalogue.MetricCatalogue.Settings.defaults();
        long maskFree = io.noiselens.metrics.catalogue.MetricCatalogue.create(catalogue, defaults, "t").stream()
                .filter(m -> !m.info().needsMask()).count()
                + io.noiselens.metrics.catalogue.MetricCatalogue.createGroups(catalogue, defaults).size();
        assertEquals(10L * N_METHODS * maskFree, o.metricValues());
        table(out, "errors").createOrReplaceTempView("errors");
        List<Row> errors = spark.sql("SELECT image_id, path, error_stage, error_message FROM errors "
                + "WHERE run_id = 'f' ORDER BY image_id").collectAsList();
        assertEquals("disk/corrupt.jpg", errors.get(0).getString(0));
        assertTrue(errors.get(0).getString(1).endsWith("disk/corrupt.jpg"));
        assertEquals("decode", errors.get(0).getString(2));
        assertEquals("images/stray.png", errors.get(1).getString(0));
        assertEquals("list", errors.get(1).getString(2));
        assertTrue(errors.get(1).getString(3).contains("class directory"), errors.get(1).getString(3));
        assertEquals("ring/empty.png", errors.get(2).getString(0));
        assertTrue(errors.get(2).getString(3).contains("empty"), errors.get(2).getString(3));
        assertEquals("ring/notes.txt", errors.get(3).getString(0));
        assertEquals("list", errors.get(3).getString(2));
        assertTrue(errors.get(3).getString(3).contains("'.txt'"), errors.get(3).getString(3));
        Row labels = table(out, "attributions").where("run_id = 'f' AND image_id LIKE 'triangle/%'")
                .selectExpr("min(label)", "max(label)").first();
        assertEquals(SyntheticShapes.CLASSES.indexOf("triangle"), labels.getInt(0));
        assertEquals(labels.getInt(0), labels.getInt(1));
        assertEquals("succeeded_with_errors", table(out, "runs").where("run_id = 'f'").first().getAs("status"));
        // Replica accuracy on the images that load (the 10 good files; bad and unlabelled ones are left out).
        List<Row> reps = table(out, "replicas").where("run_id = 'f'").collectAsList();
        assertEquals(3, reps.size());
        for (Row r : reps) assertEquals(10L, (long) r.getAs("n_images"));
    }

    static Map<String, float[]> maps(Dataset<Row> rows) {
        Map<String, float[]> m = new HashMap<>();
        for (Row r : rows.select("image_id", "method", "map").collectAsList()) {
            List<Float> v = r.getList(2);
            float[] a = new float[v.size()];
            for (int i = 0; i < a.length; i++) a[i] = v.get(i);
            m.put(r.getString(0) + "/" + r.getString(1), a);
        }
        return m;
    }

    /**
     * engine.backend = torch writes the same tables as the default ND4J engine: every map within 1e-4 (relative to
     * its largest value), metric values within float32 noise (rank-based deletion curves within 2e-3), the engine
     * recorded with every map and in the run record.
     */
    @Test
    void theTorchEngineWritesTheSameTables() {
        Path out = dir.resolve("engines");
        String metrics = "metrics.names=[sparseness, deletion_auc, max_sensitivity, fidelity_error]";
        ExplainJob.run(spark, config(out, "run.id=nd4j", metrics, "dataset.builtin.images=12"));
        ExplainJob.run(spark, config(out, "run.id=torch", metrics, "dataset.builtin.images=12", "engine.backend=torch"));
        Map<String, Row> nd4j = new HashMap<>();
        for (Row r : table(out, "attributions").where("run_id = 'nd4j'").collectAsList()) {
            nd4j.put(r.getAs("image_id") + "|" + r.getAs("method"), r);
        }
        List<Row> torch = table(out, "attributions").where("run_id = 'torch'").collectAsList();
        assertEquals(12 * N_METHODS, torch.size());
        double worst = 0;
        for (Row t : torch) {
            Row n = nd4j.get(t.getAs("image_id") + "|" + t.getAs("method"));
            List<Float> a = t.getList(t.fieldIndex("map")), b = n.getList(n.fieldIndex("map"));
            double num = 0, den = 0;
            for (int k = 0; k < a.size(); k++) {
                num = Math.max(num, Math.abs(a.get(k) - b.get(k)));
                den = Math.max(den, Math.abs(b.get(k)));
            }
            worst = Math.max(worst, num / den);
            assertTrue(((String) t.getAs("method_params")).contains("\"engine_backend\":\"torch\""));
            assertTrue(((String) n.getAs("method_params")).contains("\"engine_backend\":\"nd4j\""));
            assertEquals((int) n.getAs("predicted"), (int) t.getAs("predicted"));
        }
        System.out.printf("torch engine vs nd4j engine in the job: worst map difference %.2e (relative)%n", worst);
        assertTrue(worst <= 1e-4, "maps differ by " + worst);
        String joined = "FROM parquet.`" + out.resolve("metrics") + "` t JOIN parquet.`" + out.resolve("metrics")
                + "` n ON t.image_id = n.image_id AND t.method = n.method AND t.metric = n.metric "
                + "WHERE t.run_id = 'torch' AND n.run_id = 'nd4j'";
        assertEquals(12L * N_METHODS * 4, spark.sql("SELECT * " + joined).count());
        assertEquals(0, spark.sql("SELECT * " + joined + " AND isnan(t.value) != isnan(n.value)").count(),
                "NaN for the same maps on both engines");
        List<Row> diffs = spark.sql("SELECT t.metric, max(abs(t.value - n.value)) AS d " + joined
                + " AND NOT isnan(t.value) GROUP BY t.metric").collectAsList();
        assertEquals(4, diffs.size());
        for (Row d : diffs) {
            String metric = d.getString(0);
            double tolerance = metric.equals("deletion_auc") ? 2e-3 : 1e-3;
            System.out.printf("  %-16s largest difference %.2e%n", metric, d.getDouble(1));
            assertTrue(d.getDouble(1) <= tolerance, metric + " differs by " + d.getDouble(1));
        }
        assertTrue(table(out, "runs").where("run_id = 'torch'").first().<String>getAs("config_json").contains("torch"));
    }

    /**
     * The CAM, perturbation and propagation families alone and as the base of NoiseGrad and FusionGrad (issue 16's job): a finite,
     * non-zero map for every image and method, their parameters and forward passes in method_params.
     */
    @Test
    void camAndPerturbationFamiliesRunAloneAndUnderWeightNoise() {
        String[] bases = {"{kind = gradcam}", "{kind = gradcam_plus_plus}", "{kind = layercam, layer = conv3}",
                "{kind = occlusion, window = 16, stride = 16}", "{kind = rise, masks = 64, mask_grid = 4}",
                "{kind = kernel_shap, n_samples = 40, grid = 4}",
                "{kind = lime, n_samples = 40, segmentation = slic, slic_segments = 16}", "{kind = lrp}",
                "{kind = deeplift}"};
        List<String> entries = new ArrayList<>();
        for (String b : bases) {
            String kind = b.substring(b.indexOf('=') + 2, b.contains(",") ? b.indexOf(',') : b.indexOf('}')).trim();
            String keys = b.contains(",") ? b.substring(b.indexOf(',') + 1, b.length() - 1) : "";
            entries.add(b);
            entries.add("{kind = noisegrad, replicas = 2, base = " + kind + ", id = noisegrad_" + kind + (keys.isEmpty() ? "" : "," + keys) + "}");
            entries.add("{kind = fusiongrad, replicas = 2, samples = 2, base = " + kind + ", id = fusiongrad_" + kind
                    + (keys.isEmpty() ? "" : "," + keys) + "}");
        }
        Path out = dir.resolve("families");
        ExplainJob.Outcome o = ExplainJob.run(spark, JobConfigLoader.fromString("methods = [" + String.join(", ", entries) + "]",
                List.of("run.output=" + out, "run.id=families", "model.path=" + modelFile, "dataset.builtin.images=4",
                        "engine.batch_size=4", "metrics.names=[sparseness]")));
        assertEquals(0, o.errors(), () -> spark.read().parquet(out.resolve("errors").toString()).collectAsList().toString());
        assertEquals(4L * entries.size(), o.attributions());
        spark.read().parquet(out.resolve("attributions").toString()).createOrReplaceTempView("family_maps");
        assertEquals(4L * entries.size(), spark.sql("SELECT * FROM family_maps WHERE map_l2 > 0 AND height = 64 "
                + "AND NOT exists(map, x -> isnan(x) OR x = double('inf') OR x = double('-inf'))").count());
        assertEquals(entries.size(), spark.sql("SELECT DISTINCT method FROM family_maps").count());
        String occlusion = spark.sql("SELECT method_params FROM family_maps WHERE method = 'fusiongrad_occlusion' LIMIT 1")
                .first().getString(0);
        // 4 draws × (1 + 4 × 4 windows) forward passes, and the occlusion's keys under the noise plan.
        assertTrue(occlusion.contains("\"forward_passes\":68") && occlusion.contains("\"window\":16")
                && occlusion.contains("\"base_method\":\"occlusion\""), occlusion);
        String cam = spark.sql("SELECT method_params FROM family_maps WHERE method = 'noisegrad_gradcam' LIMIT 1")
                .first().getString(0);
        assertTrue(cam.contains("\"layer\":\"conv4\""), cam);
        // A layer the model lacks stops the run before it starts, naming the method's key and the model's layers.
        io.noiselens.lang.NoiseLensException e = assertThrows(io.noiselens.lang.NoiseLensException.class,
                () -> ExplainJob.run(spark, JobConfigLoader.fromString("methods = [{kind = gradcam, layer = conv9}]",
                        List.of("run.output=" + out, "run.id=badlayer", "model.path=" + modelFile))));
        assertTrue(e.getMessage().contains("methods[gradcam].layer") && e.getMessage().contains("conv4"), e.getMessage());
    }
}
