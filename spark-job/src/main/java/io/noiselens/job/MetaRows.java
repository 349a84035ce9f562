package io.noiselens.job;

import io.noiselens.config.JobConfig;
import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.catalogue.MetricCatalogue;
import io.noiselens.metrics.meta.MetaAnalysis;
import io.noiselens.metrics.meta.MetaTest;
import io.noiselens.random.KeyedRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.types.DataTypes.*;

/**
 * The {@code meta} table: MetaQuantus's meta-consistency of every metric per model and perturbation kind
 * ({@link MetaAnalysis}), from the meta-evaluation rows the executors wrote, and its summary rows (method
 * {@code meta_evaluation:model} / {@code :input}, the MC mean over iterations with their standard deviation). The
 * rows of the covered images are collected on the driver: their number is bounded by {@code metrics.meta_images}.
 */
final class MetaRows {
    static final StructType SCHEMA = new StructType()
            .add("model_id", StringType, false).add("metric", StringType, false).add("category", StringType, false)
            .add("higher_is_better", BooleanType, false).add("perturbation", StringType, false)
            .add("iac_nr", DoubleType, true).add("iac_ar", DoubleType, true).add("iec_nr", DoubleType, true)
            .add("iec_ar", DoubleType, true).add("mc", DoubleType, true).add("mc_std", DoubleType, true)
            .add("iterations", IntegerType, false).add("perturbations", IntegerType, false)
            .add("images_resilience", DoubleType, true).add("images_adversary", DoubleType, true)
            .add("rank", IntegerType, false).add("run_id", StringType, false);

    private MetaRows() {}

    /** Whether the meta-evaluation covers image {@code id}: a keyed uniform draw below {@code fraction}. */
    static boolean covers(long seed, String id, double fraction) {
        if (fraction >= 1) return true;
        long key = KeyedRandom.key(seed, KeyedRandom.Purpose.PERTURBATION, KeyedRandom.hash("meta/images"));
        return KeyedRandom.uniform(key, KeyedRandom.hash(id)) < fraction;
    }

    /** The meta table of a run's results. */
    static Dataset<Row> table(SparkSession spark, Dataset<Row> results, JobConfig cfg, String runId) {
        Map<String, MetricInfo> infos = new HashMap<>();
        for (Metric m : MetricCatalogue.create(cfg.metrics().names(), cfg.metrics().settings(), "metrics.names")) {
            infos.put(m.info().name(), m.info());
        }
        Map<String, Boolean> direction = new HashMap<>();
        infos.forEach((k, v) -> direction.put(k, v.higherIsBetter()));
        Map<String, List<MetaAnalysis.Observation>> byModel = new TreeMap<>();
        for (Row r : results.filter(col("kind").equalTo(Tables.KIND_META)).select("model_id", "method", "metric",
                "image_id", "meta_test", "meta_iteration", "meta_perturbation", "clean_value", "value",
                "prediction_changed").collectAsList()) {
            byModel.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(new MetaAnalysis.Observation(
                    r.getString(2), r.getString(1), r.getString(3), MetaTest.valueOf(r.getString(4).toUpperCase()),
                    r.getInt(5), r.getInt(6), r.getDouble(7), r.getDouble(8), r.getBoolean(9)));
        }
        List<Row> rows = new ArrayList<>();
        JobConfig.Meta meta = cfg.metrics().meta();
        byModel.forEach((model, obs) -> {
            for (MetaAnalysis.Result m : MetaAnalysis.analyse(obs, direction)) {
                MetricInfo info = infos.get(m.metric());
                rows.add(RowFactory.create(model, m.metric(), info.category().name().toLowerCase(), info.higherIsBetter(),
                        m.kind(), nan(m.iacNr()), nan(m.iacAr()), nan(m.iecNr()), nan(m.iecAr()), nan(m.mc()),
                        nan(m.mcStd()), m.iterations(), meta.perturbations(), nan(m.resilienceImages()),
                        nan(m.adversaryImages()), m.rank(), runId));
            }
        });
        return spark.createDataFrame(rows, SCHEMA);
    }

    /** Summary rows of the meta table: MC per metric as method {@code meta_evaluation:<kind>}. */
    static Dataset<Row> summary(Dataset<Row> meta) {
        return meta.selectExpr("model_id", "concat('meta_evaluation:', perturbation) AS method", "metric",
                "CAST(NULL AS STRING) AS label_name", "category", "true AS higher_is_better",
                "CAST(iterations AS BIGINT) AS n", "CAST(CASE WHEN mc IS NULL THEN 1 ELSE 0 END AS BIGINT) AS n_nan",
                "mc AS mean", "mc_std AS stddev", "CAST(NULL AS DOUBLE) AS ci95_low", "CAST(NULL AS DOUBLE) AS ci95_high",
                "CAST(NULL AS DOUBLE) AS median", "run_id");
    }

    private static Double nan(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
