package io.noiselens.job;

import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.catalogue.MetricCatalogue;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.*;

/**
 * Ye and Farnia's stability error across the run's models (METHODS.md §7, {@code saliency_diff_plot_sigma.py}):
 * a Spark SQL self-join of the {@code attributions} table on (image, method) over every pair of models a &lt; b,
 * scoring ‖S_a(x) − S_b(x)‖₂ of the raw maps ({@code stability_error}) and of the maps divided by their own L2
 * norms ({@code stability_error_normalised}). Rows go to the {@code metrics} table with model_id "a vs b", so the
 * summary gives stability per method next to each model's fidelity error.
 */
final class Stability {
    private Stability() {}

    /** The requested cross-model metrics as {@code metrics} rows; null when none is requested. */
    static Dataset<Row> of(Dataset<Row> attributions, List<String> metricNames, String runId) {
        Dataset<Row> a = attributions.alias("a"), b = attributions.alias("b");
        Dataset<Row> pairs = a.join(b, col("a.image_id").equalTo(col("b.image_id"))
                .and(col("a.method").equalTo(col("b.method"))).and(col("a.model_id").lt(col("b.model_id"))));
        Dataset<Row> all = null;
        for (String name : metricNames) {
            MetricInfo info = MetricCatalogue.CROSS_MODEL.get(name);
            if (info == null) continue;
            String diff = name.equals("stability_error") ? "x - y"
                    : "CASE WHEN a.map_l2 > 0 AND b.map_l2 > 0 THEN x / a.map_l2 - y / b.map_l2 ELSE double('NaN') END";
            Column value = expr("sqrt(aggregate(zip_with(a.map, b.map, (x, y) -> pow(" + diff + ", 2)), 0D, (s, v) -> s + v))");
            Dataset<Row> rows = pairs.select(col("a.image_id").as("image_id"), col("a.method").as("method"), lit(name).as("metric"),
                    col("a.label").as("label"), col("a.label_name").as("label_name"),
                    concat(col("a.model_id"), lit(" vs "), col("b.model_id")).as("model_id"),
                    lit(info.category().name().toLowerCase()).as("category"), lit(info.higherIsBetter()).as("higher_is_better"),
                    value.as("value"), lit(null).cast("array<double>").as("curve"), lit(Tables.json(new TreeMap<>(info.params()))).as("metric_params"),
                    when(isnan(value), lit("a map of the pair is all zero, so it cannot be normalised"))
                            .cast("string").as("nan_reason"),
                    lit(runId).as("run_id"));
            all = all == null ? rows : all.unionByName(rows);
        }
        return all;
    }
}
