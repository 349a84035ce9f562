package io.noiselens.report;

import io.noiselens.job.Tables;
import io.noiselens.lang.Errors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.stddev_samp;

/**
 * One run's tables under an output directory, filtered to the run; every query the report makes, each aggregated
 * in Spark so that what reaches the driver is bounded by methods × metrics (× curve length), not by images.
 */
final class RunTables {
    private final SparkSession spark;
    private final String output, runId;

    RunTables(SparkSession spark, String output, String runId) {
        this.spark = spark;
        this.output = output;
        this.runId = runId;
    }

    String runId() {
        return runId;
    }

    SparkSession spark() {
        return spark;
    }

    Dataset<Row> table(String name) {
        return spark.read().parquet(output + "/" + name).where(col("run_id").equalTo(runId));
    }

    private boolean exists(String name) {
        Path p = new Path(output + "/" + name + "/run_id=" + runId);
        try {
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The run's row of the runs table; an unknown id is a user error that says how to list the runs. */
    Row run(String option) {
        if (!exists(Tables.RUNS)) {
            throw Errors.invalidValue(option, runId, "No run with this id under " + output + ": list the runs "
                    + "with SELECT run_id FROM parquet.`" + output + "/runs`, or point run.output at their tables.");
        }
        return table(Tables.RUNS).first();
    }

    /** The summary's whole-run rows (no per-class rows, no meta-evaluation rows), best first per metric. */
    List<Row> summary() {
        return table(Tables.SUMMARY).where("label_name IS NULL AND mean IS NOT NULL "
                        + "AND method NOT LIKE 'meta_evaluation:%'")
                .orderBy(col("category"), col("metric"), expr("CASE WHEN higher_is_better THEN -mean ELSE mean END"))
                .collectAsList();
    }

    List<Map<String, Object>> meta() {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!exists(Tables.META)) return out;
        for (Row r : table(Tables.META).orderBy("model_id", "perturbation", "rank").collectAsList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String k : List.of("model_id", "perturbation", "rank", "metric")) m.put(k, r.getAs(k));
            for (String k : List.of("mc", "mc_std", "iac_nr", "iac_ar", "iec_nr", "iec_ar")) m.put(k, Report.num(r.getAs(k)));
            out.add(m);
        }
        return out;
    }

    /** Per metric, per (model, method): the curve's mean, low and high per position over the images. */
    Map<String, List<Charts.Series>> curves() {
        List<Row> rows = table(Tables.METRICS).where("curve IS NOT NULL")
                .selectExpr("metric", "model_id", "method", "posexplode(curve) AS (pos, v)").where("NOT isnan(v)")
                .groupBy("metric", "model_id", "method", "pos")
                .agg(avg("v").as("mean"), stddev_samp("v").as("sd"), count("v").as("n"))
                .orderBy("metric", "model_id", "method", "pos").collectAsList();
        Map<String, Map<String, List<double[]>>> points = new TreeMap<>();
        boolean severalModels = rows.stream().map(r -> r.<String>getAs("model_id")).distinct().count() > 1;
        for (Row r : rows) {
            String who = severalModels ? r.getAs("method") + " @ " + r.getAs("model_id") : r.getAs("method");
            double mean = r.getAs("mean"), sd = r.isNullAt(r.fieldIndex("sd")) ? 0 : r.<Double>getAs("sd");
            double half = 1.96 * sd / Math.sqrt(r.<Long>getAs("n"));
            points.computeIfAbsent(r.getAs("metric"), k -> new TreeMap<>()).computeIfAbsent(who, k -> new ArrayList<>())
                    .add(new double[]{r.<Integer>getAs("pos"), mean, mean - half, mean + half});
        }
        Map<String, List<Charts.Series>> out = new TreeMap<>();
        points.forEach((metric, byMethod) -> {
            List<Charts.Series> series = new ArrayList<>();
            byMethod.forEach((who, p) -> series.add(Charts.Series.of(who, p)));
            out.put(metric, series);
        });
        return out;
    }

    /** Metrics plotted against σ when the run sweeps σ (Ye and Farnia's trade-off). */
    static final List<String> SWEEP_METRICS = List.of("fidelity_error", "stability_error", "stability_error_normalised");
    private static final java.util.regex.Pattern SWEPT = java.util.regex.Pattern.compile("^(.+)_(sigma|sigma_w)(-?[0-9.]+)$");

    /**
     * σ sweeps (methods whose ids the configuration suffixed {@code _sigma<σ>} or {@code _sigma_w<σ_w>}): per metric of
     * {@link #SWEEP_METRICS}, one series per swept method (and model, or model pair) with at least two values, its
     * mean and 95 % interval against σ.
     */
    Map<String, List<Charts.Series>> sweeps() {
        Map<String, Map<String, List<double[]>>> points = new TreeMap<>();
        for (Row r : table(Tables.SUMMARY).where(col("metric").isin(SWEEP_METRICS.toArray()).and(col("label_name").isNull())
                .and(col("mean").isNotNull())).collectAsList()) {
            java.util.regex.Matcher m = SWEPT.matcher(r.<String>getAs("method"));
            if (!m.matches()) continue;
            String who = m.group(1) + " (" + (m.group(2).equals("sigma") ? "σ" : "σ_w") + ") @ " + r.getAs("model_id");
            points.computeIfAbsent(r.getAs("metric"), k -> new TreeMap<>()).computeIfAbsent(who, k -> new ArrayList<>())
                    .add(new double[]{Double.parseDouble(m.group(3)), r.getAs("mean"), or(r, "ci95_low"), or(r, "ci95_high")});
        }
        Map<String, List<Charts.Series>> out = new TreeMap<>();
        points.forEach((metric, byMethod) -> {
            List<Charts.Series> series = new ArrayList<>();
            byMethod.forEach((who, p) -> {
                if (p.size() < 2) return;
                p.sort(java.util.Comparator.comparingDouble(a -> a[0]));
                series.add(Charts.Series.of(who, p));
            });
            if (!series.isEmpty()) out.put(metric, series);
        });
        return out;
    }

    /** A summary row's interval edge, the mean where the interval is undefined (one value). */
    private static double or(Row r, String edge) {
        return r.isNullAt(r.fieldIndex(edge)) ? r.<Double>getAs("mean") : r.<Double>getAs(edge);
    }

    /**
     * The gallery's images: per metric of {@code metrics} (empty: deletion AUC when the run has it, else its first
     * metric) the best, median and worst image by the metric's mean over the methods, then the best image of each
     * class by the first of them, at most {@code limit} images, each with why it was chosen.
     */
    Map<String, String> galleryImages(List<String> metrics, int limit) {
        Dataset<Row> values = table(Tables.METRICS).where("NOT isnan(value)");
        List<Row> names = values.select("metric", "higher_is_better").distinct().orderBy("metric").collectAsList();
        Map<String, Boolean> higher = new LinkedHashMap<>();
        for (Row r : names) higher.put(r.getString(0), r.getBoolean(1));
        List<String> chosen = new ArrayList<>();
        for (String m : metrics) {
            if (!higher.containsKey(m)) {
                throw Errors.invalidValue("report.gallery.metrics", m, "Run " + runId + " has no finite value of this "
                        + "metric; it has " + higher.keySet() + ".");
            }
            chosen.add(m);
        }
        if (chosen.isEmpty() && !higher.isEmpty()) {
            chosen.add(higher.containsKey("deletion_auc") ? "deletion_auc" : higher.keySet().iterator().next());
        }
        Map<String, String> why = new LinkedHashMap<>();
        for (int k = 0; k < chosen.size(); k++) {
            String metric = chosen.get(k);
            org.apache.spark.sql.Column best = higher.get(metric) ? col("v").desc() : col("v");
            Dataset<Row> perImage = values.where(col("metric").equalTo(metric)).groupBy("image_id", "label_name")
                    .agg(avg("value").as("v"));
            List<Row> ranked = perImage.orderBy(best, col("image_id")).select("image_id").collectAsList();
            if (ranked.isEmpty()) continue;
            add(why, ranked.get(0).getString(0), "best by " + metric);
            add(why, ranked.get(ranked.size() / 2).getString(0), "median by " + metric);
            add(why, ranked.get(ranked.size() - 1).getString(0), "worst by " + metric);
            if (k == 0) {
                Dataset<Row> byClass = perImage.where("label_name IS NOT NULL").withColumn("r", expr(
                        "row_number() OVER (PARTITION BY label_name ORDER BY " + (higher.get(metric) ? "v DESC" : "v")
                                + ", image_id)")).where("r = 1").orderBy("label_name");
                for (Row r : byClass.select("image_id", "label_name").collectAsList()) {
                    add(why, r.getString(0), "best of class " + r.getString(1) + " by " + metric);
                }
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : why.entrySet()) {
            if (out.size() >= limit) break;
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    private static void add(Map<String, String> why, String id, String reason) {
        why.merge(id, reason, (a, b) -> a + "; " + b);
    }

    /** The class names the run's labels carry, by class index (classes without a labelled image are absent). */
    Map<Integer, String> classNames() {
        Map<Integer, String> out = new TreeMap<>();
        for (Row r : table(Tables.ATTRIBUTIONS).where("label IS NOT NULL AND label_name IS NOT NULL")
                .select("label", "label_name").distinct().collectAsList()) {
            out.put(r.getInt(0), r.getString(1));
        }
        return out;
    }

    /** The attribution rows of {@code ids}, by image, model and method. */
    List<Row> maps(java.util.Collection<String> ids) {
        return table(Tables.ATTRIBUTIONS).where(col("image_id").isin(ids.toArray())).orderBy("image_id", "model_id", "method")
                .collectAsList();
    }

    /** Per model and method: the draws its maps took and their relative standard error (adaptive sampling). */
    List<Map<String, Object>> sampling() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : table(Tables.ATTRIBUTIONS).groupBy("model_id", "method").agg(count("*").as("maps"),
                        avg("draws").as("draws"), max("draws").as("max_draws"), avg("relative_se").as("se"),
                        max("relative_se").as("max_se"))
                .orderBy("model_id", "method").collectAsList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.getAs("model_id"));
            m.put("method", r.getAs("method"));
            m.put("maps", r.getAs("maps"));
            m.put("draws", Report.num(r.getAs("draws")));
            m.put("maxDraws", r.getAs("max_draws"));
            m.put("se", Report.num(r.getAs("se")));
            m.put("maxSe", Report.num(r.getAs("max_se")));
            out.add(m);
        }
        return out;
    }

    /** The weight-noise replicas' accuracy against the clean model's. */
    List<Map<String, Object>> replicas() {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!exists(Tables.REPLICAS)) return out;
        for (Row r : table(Tables.REPLICAS).orderBy("model_id", "sigma_w", "replica_idx").collectAsList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.getAs("model_id"));
            m.put("sigma", r.getAs("sigma_w"));
            m.put("replica", r.getAs("replica_idx"));
            m.put("images", r.getAs("n_images"));
            m.put("accuracy", Report.num(r.getAs("accuracy")));
            m.put("clean", Report.num(r.getAs("clean_accuracy")));
            m.put("drop", Report.num(r.getAs("acc_drop")));
            out.add(m);
        }
        return out;
    }

    /** The claims this run reproduces ({@code noiselens reproduce}), in the order decided; empty for other runs. */
    List<Map<String, Object>> claims() {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!exists(Tables.CLAIMS)) return out;
        for (Row r : table(Tables.CLAIMS).collectAsList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String k : List.of("claim_id", "paper", "statement", "scale", "setting", "comparison", "metric", "method",
                    "baseline", "expected", "n", "outcome", "claim_outcome", "note")) m.put(k, r.getAs(k));
            for (String k : List.of("figure", "ci95_low", "ci95_high")) m.put(k, Report.num(r.getAs(k)));
            m.put("css", r.<String>getAs("outcome").replace(' ', '-'));
            out.add(m);
        }
        return out;
    }

    List<Map<String, Object>> errors(int limit) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!exists(Tables.ERRORS)) return out;
        for (Row r : table(Tables.ERRORS).orderBy("image_id").limit(limit).collectAsList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", r.getAs("path") != null ? r.getAs("path") : r.getAs("image_id"));
            m.put("stage", r.getAs("error_stage"));
            m.put("reason", r.getAs("error_message"));
            out.add(m);
        }
        return out;
    }
}
