package io.noiselens.job;

import io.noiselens.metrics.SummaryStatistics;
import io.noiselens.random.KeyedRandom;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.List;

import static org.apache.spark.sql.functions.*;

/**
 * The {@code summary} table, derived from the written {@code metrics} table (never from the model): per
 * model × method × metric over all images (label_name null) and per class, n, NaN count, mean, standard deviation, 95 %
 * bootstrap interval and median. Statistics are computed per group on the executors.
 */
public final class Summaries {
    private Summaries() {}

    public static Dataset<Row> of(Dataset<Row> metrics, String runId, long seed, int bootstrapSamples) {
        Column finite = when(not(isnan(col("value"))), col("value"));
        Column[] aggs = {collect_list(finite).as("values"), sum(when(isnan(col("value")), 1).otherwise(0)).as("n_nan")};
        Dataset<Row> overall = metrics.groupBy(col("model_id"), col("method"), col("metric"), col("category"),
                col("higher_is_better")).agg(aggs[0], aggs[1]).withColumn("label_name", lit(null).cast("string"));
        Dataset<Row> perClass = metrics.groupBy(col("model_id"), col("method"), col("metric"), col("category"),
                col("higher_is_better"), col("label_name")).agg(aggs[0], aggs[1]).where(col("label_name").isNotNull());
        Dataset<Row> groups = overall.unionByName(perClass);
        return groups.map((MapFunction<Row, Row>) g -> {
            List<Double> list = g.getList(g.fieldIndex("values"));
            double[] v = list.stream().mapToDouble(Double::doubleValue).toArray();
            String label = g.getAs("label_name");
            long key = KeyedRandom.key(seed, KeyedRandom.Purpose.BOOTSTRAP,
                    KeyedRandom.hash(g.getAs("model_id") + "/" + g.getAs("method") + "/" + g.getAs("metric") + "/" + label));
            SummaryStatistics s = SummaryStatistics.of(v, bootstrapSamples, key);
            return RowFactory.create(g.getAs("model_id"), g.getAs("method"), g.getAs("metric"), label, g.getAs("category"),
                    g.getAs("higher_is_better"), s.n(), g.<Long>getAs("n_nan"), nan(s.mean()), nan(s.stddev()),
                    nan(s.ci95Low()), nan(s.ci95High()), nan(s.median()), runId);
        }, Encoders.row(Tables.SUMMARY_SCHEMA));
    }

    private static Double nan(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
