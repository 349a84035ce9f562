package io.noiselens.job;

import io.noiselens.lang.Errors;
import io.noiselens.config.JobConfig;
import io.noiselens.methods.MethodSpec;
import io.noiselens.model.BuiltinModels;
import io.noiselens.data.ClassIndex;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelLoader;
import io.noiselens.model.onnx.OnnxImport;
import io.noiselens.model.ModelSpec;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * The driver side of a run: resolve and broadcast the model, read the dataset, explain and score every partition
 * once into a staging table, derive the {@code attributions}, {@code metrics} and {@code errors} tables from it and
 * the {@code summary} from the written metrics, and write the {@code runs} record last as the run's commit record. Each table is partitioned by {@code run_id}; re-running a run id
 * replaces that run's partitions and nothing else.
 */
public final class ExplainJob {
    private static final Logger LOG = LoggerFactory.getLogger(ExplainJob.class);
    public static final String CODE_VERSION = "noiselens-0.1.0";

    /**
     * What a finished run reports. {@code explainedImages} counts images that went through the model, summed over
     * all tasks: equal to the images explained when every image passed through the model exactly once.
     */
    public record Outcome(String runId, String output, long images, long attributions, long errors, long metricValues,
                          double seconds, long explainedImages) {}

    private ExplainJob() {}

    /** One of the run's models: where it came from, its bytes, and its id in the tables. */
    record ResolvedModel(String path, byte[] bytes, ModelFile.Loaded loaded, String id, OnnxImport.Options onnx) {}

    public static Outcome run(SparkSession spark, JobConfig cfg) {
        return run(spark, cfg, prepare(cfg));
    }

    /**
     * Everything about a run that can be checked without Spark — paths, master, output, and the models themselves
     * (read, parsed, built-in ones trained or taken from the cache) — so that a mistake stops the run before a
     * session starts.
     */
    static List<ResolvedModel> prepare(JobConfig cfg) {
        Preflight.check(cfg);
        List<ResolvedModel> models = resolveModels(cfg.model(), cfg.dataset());
        // Each method against each model: a CAM layer the model lacks, LRP on a transformer, refused now.
        for (ResolvedModel m : models) {
            for (io.noiselens.methods.MethodSpec s : cfg.methods()) {
                io.noiselens.attribution.AttributionEngine.check(s.build(), m.loaded().spec(), "methods[" + s.id() + "]");
            }
        }
        return models;
    }

    static Outcome run(SparkSession spark, JobConfig cfg, List<ResolvedModel> models) {
        try {
            return execute(spark, cfg, models);
        } finally {
            NoiseLensPlugin.withdraw();
        }
    }

    private static Outcome execute(SparkSession spark, JobConfig cfg, List<ResolvedModel> models) {
        long start = System.currentTimeMillis();
        String runId = cfg.run().id();
        ModelFile.Loaded model = models.get(0).loaded();
        LOG.info("Run {}: model(s) {}, dataset {}, methods {}", runId,
                models.stream().map(m -> m.id() + " (" + m.path() + ")").toList(),
                ImageSource.describe(cfg.dataset()), cfg.methods().stream().map(m -> m.build().id()).toList());

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int partitions = cfg.spark().partitions() > 0 ? cfg.spark().partitions() : 2 * jsc.defaultParallelism();
        int threads = cfg.engine().ompThreads() > 0 ? cfg.engine().ompThreads()
                : spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
        List<Broadcast<ModelBroadcast>> broadcasts = models.stream()
                .map(m -> jsc.broadcast(new ModelBroadcast(m.bytes(), m.loaded().sha256(), m.path(), m.onnx()))).toList();
        NoiseLensPlugin.offer(broadcasts);
        LongAccumulator imagesDone = spark.sparkContext().longAccumulator("noiselens.images_done");

        ImageSource.Images source = ImageSource.read(spark, cfg.dataset(), model.spec(), partitions);
        Dataset<Row> images = source.rows();
        long total = source.count();
        LOG.info("Explaining {} images with {} model(s) in {} partitions ({} native thread(s) per task)", total,
                models.size(), partitions, threads);

        String out = cfg.run().output();
        RunCommit.recover(spark, out, runId);
        String staging = out + "/" + Tables.RESULTS_STAGING + "/run_id=" + runId;
        ProgressReporter progress = new ProgressReporter(imagesDone, total * models.size(), 10);
        spark.sparkContext().addSparkListener(progress);
        try {
            Dataset<Row> explained = null;
            List<Row> pool = cfg.metrics().names().contains("focus") ? partnerRows(images, cfg.run().seed()) : List.of();
            for (int k = 0; k < broadcasts.size(); k++) {
                Broadcast<ModelBroadcast> b = broadcasts.get(k);
                Dataset<Row> one = images.mapPartitions(new PartitionExplainer(cfg, b, imagesDone, threads,
                                cfg.metrics().meta().enabled() ? cfg.metrics().meta().fraction(total) : 0,
                                partners(pool, cfg, models.get(k).loaded().spec())),
                        Encoders.row(Tables.RESULTS));
                explained = explained == null ? one : explained.union(one);
            }
            long explainStart = System.currentTimeMillis();
            explained.write().mode(SaveMode.Overwrite).parquet(staging);
            double stage = (System.currentTimeMillis() - explainStart) / 1000.0;
            LOG.info("Explained and scored {} images in {} s ({} images/s); writing the tables", total * models.size(),
                    String.format("%.1f", stage), String.format("%.2f", total * models.size() / stage));
        } finally {
            spark.sparkContext().removeSparkListener(progress);
            progress.close();
        }

        Dataset<Row> results = spark.read().schema(Tables.RESULTS).parquet(staging);
        RunCommit commit = new RunCommit(spark, out, runId);
        long nAttr = commit.stage(results.filter(col("kind").equalTo(Tables.KIND_MAP))
                .select(cols(Tables.ATTRIBUTION_COLUMNS)), Tables.ATTRIBUTIONS);
        // An image that cannot be read fails the same way for every model: one row per distinct failure.
        long nErr = commit.stage(results.filter(col("kind").equalTo(Tables.KIND_ERROR))
                .select(cols(Tables.ERROR_COLUMNS)).dropDuplicates(), Tables.ERRORS);
        Dataset<Row> metricRows = results.filter(col("kind").equalTo(Tables.KIND_METRIC)).select(cols(Tables.METRIC_COLUMNS));
        Dataset<Row> grouped = GroupMetrics.of(commit.staged(Tables.ATTRIBUTIONS), cfg, runId, total);
        if (grouped != null) metricRows = metricRows.unionByName(grouped);
        if (models.size() > 1) {
            Dataset<Row> stability = Stability.of(commit.staged(Tables.ATTRIBUTIONS), cfg.metrics().names(), runId);
            if (stability != null) metricRows = metricRows.unionByName(stability);
        }
        long nMetrics = commit.stage(metricRows, Tables.METRICS);
        Dataset<Row> summary = Summaries.of(commit.staged(Tables.METRICS), runId, cfg.run().seed(),
                cfg.metrics().bootstrapSamples());
        if (cfg.metrics().meta().enabled()) {
            commit.stage(MetaRows.table(spark, results, cfg, runId), Tables.META);
            summary = summary.unionByName(MetaRows.summary(commit.staged(Tables.META)));
        }
        commit.stage(summary, Tables.SUMMARY);
        Dataset<Row> replicaRows = spark.createDataFrame(List.of(), ReplicaEvaluation.SCHEMA);
        if (cfg.replicas().evalImages() > 0 && !ReplicaEvaluation.plan(cfg).isEmpty()) {
            for (int k = 0; k < models.size(); k++) {
                replicaRows = replicaRows.unionByName(ReplicaEvaluation.run(spark, cfg, images, broadcasts.get(k),
                        models.get(k).id(), threads));
            }
        }
        commit.stage(replicaRows, Tables.REPLICAS);
        long nImages = results.select("image_id").distinct().count();

        double seconds = (System.currentTimeMillis() - start) / 1000.0;
        Object[] run = {nErr == 0 ? "succeeded" : "succeeded_with_errors", new Timestamp(start),
                new Timestamp(System.currentTimeMillis()), seconds, cfg.json(), joined(models, ResolvedModel::path),
                joined(models, ResolvedModel::id), joined(models, m -> m.loaded().sha256()),
                ImageSource.describe(cfg.dataset()), preprocessing(models, cfg.dataset()),
                cfg.methods().stream().map(MethodSpec::id).toArray(String[]::new),
                CODE_VERSION, spark.version(), partitions, nImages, nAttr, nErr, nMetrics,
                nImages / Math.max(seconds, 1e-9), runId};
        commit.stage(spark.createDataFrame(List.of(RowFactory.create(run)), Tables.RUNS_SCHEMA), Tables.RUNS);
        run[0] = "committing";
        commit.commit(spark.createDataFrame(List.of(RowFactory.create(run)), Tables.RUNS_SCHEMA));
        delete(spark, new Path(staging));
        LOG.info("Run {} done in {} s: {} images, {} maps, {} metric values, {} errors", runId,
                String.format("%.1f", seconds), nImages, nAttr, nMetrics, nErr);
        return new Outcome(runId, out, nImages, nAttr, nErr, nMetrics, seconds, imagesDone.value());
    }

    /** Focus's partner pool: this many labelled images, the same for every batch of the run. */
    static final int PARTNERS = 16;

    /** The labelled images with the smallest hash of (run seed, image id): the same whatever the partitioning. */
    static List<Row> partnerRows(Dataset<Row> images, long seed) {
        return images.where(col("label").isNotNull()).orderBy(xxhash64(lit(seed), col("image_id")), col("image_id"))
                .limit(PARTNERS).collectAsList();
    }

    /** The partner rows decoded for one model (rows that cannot be read are left out: the pool is a sample). */
    static List<io.noiselens.metrics.MetricContext.Partner> partners(List<Row> rows, JobConfig cfg, ModelSpec spec) {
        ImageLoader loader = new ImageLoader(cfg, spec);
        List<io.noiselens.metrics.MetricContext.Partner> out = new ArrayList<>();
        for (Row r : rows) {
            try {
                out.add(new io.noiselens.metrics.MetricContext.Partner(r.getAs("image_id"), r.getAs("label"),
                        loader.load(r).input()));
            } catch (ImageLoader.Failure f) {
                LOG.warn("Focus partner {} cannot be read ({}); left out of the pool", (Object) r.getAs("image_id"),
                        f.getMessage());
            }
        }
        return out;
    }

    /** The preprocessing each model's inputs had, as JSON (defaults resolved, e.g. ImageNet's mean for ONNX). */
    static String preprocessing(List<ResolvedModel> models, JobConfig.Dataset d) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ArrayNode out = json.createArrayNode();
        for (ResolvedModel m : models) {
            ModelSpec s = m.loaded().spec();
            com.fasterxml.jackson.databind.node.ObjectNode o = out.addObject();
            o.put("model_id", m.id());
            o.putArray("input").add(s.channels()).add(s.height()).add(s.width());
            o.put("resize", d.resize() > 0 ? "shorter side to " + d.resize() + ", bilinear (PIL)"
                    : "to " + s.height() + "x" + s.width() + ", bilinear (PIL)");
            o.put("crop", d.resize() > 0 ? "center " + s.height() + "x" + s.width() : "none");
            com.fasterxml.jackson.databind.node.ArrayNode mean = o.putArray("mean"), std = o.putArray("std");
            for (float v : s.preprocessing().mean()) mean.add(v);
            for (float v : s.preprocessing().std()) std.add(v);
        }
        return out.toString();
    }

    private static String joined(List<ResolvedModel> models, java.util.function.Function<ResolvedModel, String> f) {
        return String.join(",", models.stream().map(f).toList());
    }

    private static void delete(SparkSession spark, Path p) {
        try {
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(p)) fs.delete(p, true);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + p, e);
        }
    }

    private static org.apache.spark.sql.Column[] cols(String[] names) {
        return java.util.Arrays.stream(names).map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new);
    }

    /**
     * The run's models: builtin:demo (trained on {@code model.splits} disjoint parts of the built-in stream, each
     * cached), builtin:fashion_mnist (trained on Fashion-MNIST, cached) or the listed files. All must read the same input, since one dataset feeds them all.
     */
    static List<ResolvedModel> resolveModels(JobConfig.Model m, JobConfig.Dataset d) {
        // Built-in names become cached model files (trained there first when missing: `noiselens train` does it ahead).
        List<String> paths = BuiltinModels.files(m.paths(), m.builtins(d.fashionMnistPath()));
        List<String> classes = m.classes().isEmpty() ? List.of()
                : ClassIndex.parse(new String(readFile("model.classes", m.classes()), java.nio.charset.StandardCharsets.UTF_8),
                m.classes());
        OnnxImport.Options onnx = new OnnxImport.Options(classes, m.mean(), m.std());
        List<ResolvedModel> out = new java.util.ArrayList<>();
        for (String path : paths) {
            byte[] bytes = readFile("model.path", path);
            boolean onnxOptions = !classes.isEmpty() || m.mean() != null || m.std() != null;
            if (onnxOptions && !OnnxImport.isOnnx(bytes, java.nio.file.Path.of(path))) {
                throw Errors.invalidValue("model.path", path, "It is a NoiseLens model file, which carries its own "
                        + "classes and normalisation; model.classes, model.mean and model.std apply to ONNX models only.");
            }
            ModelFile.Loaded loaded = ModelLoader.fromBytes(bytes, java.nio.file.Path.of(path), onnx);
            String id = PartitionExplainer.modelId(loaded.spec(), loaded.sha256());
            ModelSpec first = out.isEmpty() ? loaded.spec() : out.get(0).loaded().spec();
            if (first.channels() != loaded.spec().channels() || first.height() != loaded.spec().height()
                    || first.width() != loaded.spec().width()) {
                throw Errors.invalidValue("model.paths", path, "It takes " + shape(loaded.spec()) + " inputs but "
                        + out.get(0).path() + " takes " + shape(first) + "; a run's models must read the same images.");
            }
            for (ResolvedModel r : out) {
                if (r.id().equals(id)) throw Errors.invalidValue("model.paths", path, "It is the same model as " + r.path() + ".");
            }
            out.add(new ResolvedModel(path, bytes, loaded, id, onnx));
        }
        return out;
    }

    private static String shape(ModelSpec s) {
        return s.channels() + "×" + s.height() + "×" + s.width();
    }

    /** The bytes of a local file or any Hadoop URI that configuration key {@code key} names. */
    private static byte[] readFile(String key, String path) {
        try {
            java.nio.file.Path local = java.nio.file.Path.of(path);
            if (Files.isRegularFile(local)) return Files.readAllBytes(local);
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(new org.apache.hadoop.conf.Configuration());
            if (!fs.exists(p)) {
                throw Errors.invalidValue(key, path, key.equals("model.path") ? "No such file. Point model.path at an "
                        + "ONNX file (.onnx), a NoiseLens model file (.nlm) or use builtin:demo." : "No such file.");
            }
            try (var in = fs.open(p)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw Errors.invalidValue(key, path, "It cannot be read (" + e.getMessage() + ").");
        }
    }
}
