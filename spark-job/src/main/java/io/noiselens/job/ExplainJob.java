package io.noiselens.job;

import io.noiselens.config.Errors;
import io.noiselens.config.JobConfig;
import io.noiselens.config.MethodConfig;
import io.noiselens.model.DemoModel;
import io.noiselens.model.ModelFile;
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
import java.util.List;

import static org.apache.spark.sql.functions.col;

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

    public static Outcome run(SparkSession spark, JobConfig cfg) {
        long start = System.currentTimeMillis();
        String runId = cfg.run().id();
        String modelPath = resolveModel(cfg.model());
        byte[] bytes = readModel(modelPath);
        ModelFile.Loaded model = ModelFile.fromBytes(bytes, java.nio.file.Path.of(modelPath));
        String modelId = model.spec().architecture() + "@" + model.sha256().substring(0, 12);
        LOG.info("Run {}: model {} ({}), dataset {}, methods {}", runId, modelId, modelPath,
                ImageSource.describe(cfg.dataset()), cfg.methods().stream().map(m -> m.build().id()).toList());

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int partitions = cfg.spark().partitions() > 0 ? cfg.spark().partitions() : 2 * jsc.defaultParallelism();
        int threads = cfg.engine().ompThreads() > 0 ? cfg.engine().ompThreads()
                : spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
        Broadcast<ModelBroadcast> broadcast = jsc.broadcast(new ModelBroadcast(bytes, model.sha256(), modelPath));
        LongAccumulator imagesDone = spark.sparkContext().longAccumulator("noiselens.images_done");

        Dataset<Row> images = ImageSource.read(spark, cfg.dataset(), model.spec(), partitions);
        long total = cfg.dataset().builtin() ? cfg.dataset().builtinImages() : images.count();
        LOG.info("Explaining {} images in {} partitions ({} native thread(s) per task)", total, partitions, threads);

        String out = cfg.run().output();
        String staging = out + "/" + Tables.RESULTS_STAGING + "/run_id=" + runId;
        ProgressReporter progress = new ProgressReporter(imagesDone, total, 10);
        spark.sparkContext().addSparkListener(progress);
        try {
            images.mapPartitions(new PartitionExplainer(cfg, broadcast, imagesDone, threads), Encoders.row(Tables.RESULTS))
                    .write().mode(SaveMode.Overwrite).parquet(staging);
        } finally {
            spark.sparkContext().removeSparkListener(progress);
            progress.close();
        }

        Dataset<Row> results = spark.read().schema(Tables.RESULTS).parquet(staging);
        long nAttr = replacePartition(spark, results.filter(col("kind").equalTo(Tables.KIND_MAP))
                .select(cols(Tables.ATTRIBUTION_COLUMNS)), out, Tables.ATTRIBUTIONS, runId);
        long nErr = replacePartition(spark, results.filter(col("kind").equalTo(Tables.KIND_ERROR))
                .select(cols(Tables.ERROR_COLUMNS)), out, Tables.ERRORS, runId);
        long nMetrics = replacePartition(spark, results.filter(col("kind").equalTo(Tables.KIND_METRIC))
                .select(cols(Tables.METRIC_COLUMNS)), out, Tables.METRICS, runId);
        Dataset<Row> written = spark.read().parquet(out + "/" + Tables.METRICS + "/run_id=" + runId);
        replacePartition(spark, Summaries.of(written, runId, cfg.run().seed(), cfg.metrics().bootstrapSamples()),
                out, Tables.SUMMARY, runId);
        boolean replicas = cfg.replicas().evalImages() > 0 && !ReplicaEvaluation.plan(cfg).isEmpty();
        replacePartition(spark, replicas ? ReplicaEvaluation.run(spark, cfg, images, broadcast, threads)
                : spark.createDataFrame(List.of(), ReplicaEvaluation.SCHEMA), out, Tables.REPLICAS, runId);
        long nImages = results.select("image_id").distinct().count();

        double seconds = (System.currentTimeMillis() - start) / 1000.0;
        Row run = RowFactory.create(nErr == 0 ? "succeeded" : "succeeded_with_errors", new Timestamp(start),
                new Timestamp(System.currentTimeMillis()), seconds, cfg.json(), modelPath, modelId, model.sha256(),
                ImageSource.describe(cfg.dataset()),
                cfg.methods().stream().map(MethodConfig::build).map(m -> m.id()).toArray(String[]::new),
                CODE_VERSION, spark.version(), partitions, nImages, nAttr, nErr, nMetrics,
                nImages / Math.max(seconds, 1e-9), runId);
        replacePartition(spark, spark.createDataFrame(List.of(run), Tables.RUNS_SCHEMA), out, Tables.RUNS, runId);
        delete(spark, new Path(staging));
        LOG.info("Run {} done in {} s: {} images, {} maps, {} metric values, {} errors", runId,
                String.format("%.1f", seconds), nImages, nAttr, nMetrics, nErr);
        return new Outcome(runId, out, nImages, nAttr, nErr, nMetrics, seconds, imagesDone.value());
    }

    /**
     * Replaces {@code table}'s partition for this run with {@code rows}: the old partition is removed first, so an
     * empty result (e.g. no errors this time) also replaces stale rows, and other runs' partitions are untouched.
     */
    static long replacePartition(SparkSession spark, Dataset<Row> rows, String out, String table, String runId) {
        Path partition = new Path(out + "/" + table + "/run_id=" + runId);
        delete(spark, partition);
        rows.write().mode(SaveMode.Append).partitionBy("run_id").parquet(out + "/" + table);
        return exists(spark, partition) ? spark.read().parquet(partition.toString()).count() : 0;
    }

    private static boolean exists(SparkSession spark, Path p) {
        try {
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot check " + p, e);
        }
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

    private static String resolveModel(JobConfig.Model m) {
        if (m.builtinDemo()) {
            return DemoModel.getOrTrain(java.nio.file.Path.of(m.cacheDir()), DemoModel.Recipe.standard()).toString();
        }
        return m.path();
    }

    private static byte[] readModel(String path) {
        try {
            java.nio.file.Path local = java.nio.file.Path.of(path);
            if (Files.isRegularFile(local)) return Files.readAllBytes(local);
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(new org.apache.hadoop.conf.Configuration());
            if (!fs.exists(p)) {
                throw Errors.invalidValue("model.path", path, "No such file. Point model.path at a NoiseLens "
                        + "model file (.nlm) or use builtin:demo.");
            }
            try (var in = fs.open(p)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw Errors.invalidValue("model.path", path, "It cannot be read (" + e.getMessage() + ").");
        }
    }
}
