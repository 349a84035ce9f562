package io.noiselens.job;

import io.noiselens.config.JobConfig;
import io.noiselens.methods.MethodSpec;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ClassifierModel;
import io.noiselens.noise.ReplicaAccuracy;
import io.noiselens.noise.WeightNoise;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.*;

/**
 * The {@code replicas} table: for each σ_w of the run's weight-noise methods, the accuracy of every replica on an
 * evaluation subset (the first {@code replicas.eval_images} labelled images by id) and its drop against the clean
 * model. Computed on the executors from the broadcast model; images that fail to load are left out and counted.
 */
final class ReplicaEvaluation {
    static final StructType COUNTS = new StructType().add("sigma_w", DataTypes.DoubleType).add("replica", DataTypes.IntegerType)
            .add("correct", DataTypes.LongType).add("images", DataTypes.LongType);

    static final StructType SCHEMA = new StructType()
            .add("sigma_w", DataTypes.DoubleType, false).add("replica_idx", DataTypes.IntegerType, false)
            .add("noise_type", DataTypes.StringType, false).add("seed", DataTypes.LongType, false)
            .add("n_images", DataTypes.LongType, false).add("accuracy", DataTypes.DoubleType, true)
            .add("clean_accuracy", DataTypes.DoubleType, true).add("acc_drop", DataTypes.DoubleType, true)
            .add("rel_acc_drop", DataTypes.DoubleType, true).add("model_id", DataTypes.StringType, false)
            .add("run_id", DataTypes.StringType, false);

    private ReplicaEvaluation() {}

    /** σ_w → number of replicas, over the run's weight-noise methods (the largest N per σ_w); empty if none. */
    static TreeMap<Double, Integer> plan(JobConfig cfg) {
        TreeMap<Double, Integer> plan = new TreeMap<>();
        for (MethodSpec mc : cfg.methods()) {
            AttributionMethod m = mc.build();
            double s = m.plan().weightNoise().sigma();
            if (s > 0) plan.merge(s, m.plan().replicas(), Math::max);
        }
        return plan;
    }

    static Dataset<Row> run(SparkSession spark, JobConfig cfg, Dataset<Row> images, Broadcast<ModelBroadcast> model,
                            String modelId, int threads) {
        TreeMap<Double, Integer> plan = plan(cfg);
        // Pick the subset by id on the id and path columns only, then fetch those rows with a filter on path that the
        // file source applies before reading any bytes, so the dataset's content is not sorted or read twice.
        List<Row> picked = images.select("image_id", "path").where(col("label").isNotNull()).orderBy("image_id")
                .limit(cfg.replicas().evalImages()).collectAsList();
        Object[] ids = picked.stream().map(r -> r.getString(0)).toArray();
        Object[] paths = picked.stream().map(r -> r.getString(1)).filter(java.util.Objects::nonNull).toArray();
        Dataset<Row> subset = images.where(col("image_id").isin(ids));
        if (paths.length > 0) subset = subset.where(col("path").isin(paths));
        Dataset<Row> counts = subset.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            ExecutorModelCache.configureThreads(threads, cfg.engine().backend());
            ClassifierModel classifier = ExecutorModelCache.classifier(model.value(), cfg.engine().backend());
            ModelSpec spec = classifier.spec();
            ImageLoader loader = new ImageLoader(cfg, spec);
            List<float[]> inputs = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            while (rows.hasNext()) {
                Row r = rows.next();
                try {
                    inputs.add(loader.load(r).input());
                    labels.add(r.getInt(r.fieldIndex("label")));
                } catch (ImageLoader.Failure ignored) {
                    // The main pass records this image in the errors table; here it is simply not counted.
                }
            }
            int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
            List<Row> out = new ArrayList<>();
            for (var e : plan.entrySet()) {
                long[] c = ReplicaAccuracy.correct(classifier, inputs, l, new WeightNoise(e.getKey()), e.getValue(),
                        cfg.run().seed(), cfg.engine().microBatch());
                for (int r = 0; r < c.length; r++) out.add(RowFactory.create(e.getKey(), r - 1, c[r], (long) l.length));
            }
            Iterator<Row> it = out.iterator();
            return it;
        }, Encoders.row(COUNTS));
        Dataset<Row> totals = counts.groupBy("sigma_w", "replica").agg(sum("correct").as("correct"), sum("images").as("n"))
                .withColumn("accuracy", when(col("n").gt(0), col("correct").divide(col("n"))));
        Dataset<Row> clean = totals.where(col("replica").equalTo(-1)).select(col("sigma_w").as("s"), col("accuracy").as("clean_accuracy"));
        return totals.where(col("replica").geq(0)).join(clean, totals.col("sigma_w").equalTo(clean.col("s")))
                .select(col("sigma_w"), col("replica").as("replica_idx"), lit("multiplicative").as("noise_type"),
                        lit(cfg.run().seed()).as("seed"), col("n").as("n_images"), col("accuracy"), col("clean_accuracy"),
                        col("clean_accuracy").minus(col("accuracy")).as("acc_drop"),
                        when(col("clean_accuracy").gt(0), col("clean_accuracy").minus(col("accuracy")).divide(col("clean_accuracy")))
                                .as("rel_acc_drop"),
                        lit(modelId).as("model_id"), lit(cfg.run().id()).as("run_id"));
    }
}
