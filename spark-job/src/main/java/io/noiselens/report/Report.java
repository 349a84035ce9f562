package io.noiselens.report;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import io.noiselens.job.Tables;
import io.noiselens.lang.Errors;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;

/**
 * The run report ({@code noiselens report}, and at the end of every run with {@code report.enabled}): one static HTML
 * page under {@code <run.output>/reports/<run_id>/index.html}, written through the Hadoop client like the tables,
 * read from the tables alone. The page is a Mustache template (every value from the data HTML-escaped by the engine;
 * only the generated SVG is inserted raw) with the plots inline: no script, no stylesheet or font fetched, so it opens
 * offline. Its size is bounded whatever the run's size: leaderboards per metric, curves aggregated per method, at
 * most {@link #MAX_ERRORS} error rows (with the total).
 */
public final class Report {
    static final int MAX_ERRORS = 200;
    /** The most images the gallery shows (each with every method's map, twice). */
    static final int GALLERY_IMAGES = 16;
    private static final Mustache TEMPLATE = new DefaultMustacheFactory("report").compile("index.mustache");

    private Report() {}

    /** Where the report of {@code runId} goes by default. */
    public static String defaultLocation(String output, String runId) {
        return output + "/reports/" + runId;
    }

    /** Reads run {@code runId}'s tables under {@code output}, writes the report into {@code dir}; returns the page. */
    public static String write(SparkSession spark, String output, String runId, String dir) {
        String html = render(spark, output, runId);
        Path page = new Path(dir, "index.html");
        try {
            FileSystem fs = page.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (FSDataOutputStream out = fs.create(page, true);
                 Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
                w.write(html);
            }
            return fs.makeQualified(page).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the report to " + page, e);
        }
    }

    /** The page of run {@code runId}. */
    static String render(SparkSession spark, String output, String runId) {
        RunTables t = new RunTables(spark, output, runId);
        Row run = t.run();
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("runId", runId);
        page.put("status", run.getAs("status"));
        page.put("started", String.valueOf(run.<Object>getAs("started_at")));
        page.put("duration", String.format(Locale.ROOT, "%.1f", run.<Double>getAs("duration_s")));
        page.put("images", run.getAs("n_images"));
        page.put("maps", run.getAs("n_attributions"));
        page.put("errorCount", run.getAs("n_errors"));
        page.put("metricValues", run.getAs("n_metric_values"));
        page.put("models", run.getAs("model_id"));
        page.put("dataset", run.getAs("dataset"));
        page.put("methods", String.join(", ", run.<String>getList(run.fieldIndex("methods"))));
        page.put("config", pretty(run.getAs("config_json")));
        page.put("categories", leaderboards(t));
        page.put("curves", curves(t));
        List<Map<String, Object>> gallery = t.gallery();
        page.put("gallery", gallery);
        page.put("galleryMetric", gallery.isEmpty() ? "" : gallery.get(0).get("metric"));
        page.put("sampling", t.sampling());
        List<Map<String, Object>> replicas = t.replicas();
        page.put("replicas", replicas);
        page.put("hasReplicas", !replicas.isEmpty());
        List<Map<String, Object>> meta = t.meta();
        page.put("meta", meta);
        page.put("hasMeta", !meta.isEmpty());
        List<Map<String, Object>> errors = t.errors(MAX_ERRORS);
        page.put("errors", errors);
        page.put("errorsShown", errors.size());
        page.put("hasErrors", !errors.isEmpty());
        StringWriter w = new StringWriter();
        TEMPLATE.execute(w, page);
        return w.toString();
    }

    /** Per category, per metric: the methods ranked best first by their mean, with the 95 % interval. */
    private static List<Map<String, Object>> leaderboards(RunTables t) {
        Map<String, Map<String, Map<String, Object>>> byCategory = new TreeMap<>();
        for (Row r : t.summary()) {
            String category = r.getAs("category"), metric = r.getAs("metric");
            Map<String, Object> m = byCategory.computeIfAbsent(category, k -> new TreeMap<>()).computeIfAbsent(metric, k -> {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("metric", metric);
                v.put("direction", r.<Boolean>getAs("higher_is_better") ? "higher is better" : "lower is better");
                v.put("rows", new ArrayList<Map<String, Object>>());
                return v;
            });
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> rows = (List<Map<String, Object>>) m.get("rows");
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("rank", rows.size() + 1);
            row.put("method", r.getAs("method"));
            row.put("model", r.getAs("model_id"));
            row.put("mean", num(r.getAs("mean")));
            row.put("low", num(r.getAs("ci95_low")));
            row.put("high", num(r.getAs("ci95_high")));
            row.put("n", r.getAs("n"));
            row.put("nan", r.getAs("n_nan"));
            rows.add(row);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        byCategory.forEach((c, metrics) -> out.add(Map.of("category", c, "metrics", new ArrayList<>(metrics.values()))));
        return out;
    }

    /** Per metric with curves, the mean curve per method with its pointwise 95 % band, as SVG. */
    private static List<Map<String, Object>> curves(RunTables t) {
        List<Map<String, Object>> out = new ArrayList<>();
        t.curves().forEach((metric, series) -> out.add(Map.of("metric", metric, "svg",
                Charts.curves(metric, "step", "mean over images (95 % band)", series, 640, 360))));
        return out;
    }

    static String num(Double v) {
        return v == null ? "—" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String pretty(String json) {
        try {
            com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(m.readTree(json));
        } catch (IOException e) {
            return json;
        }
    }

    /** The run's tables, filtered to the run. */
    static final class RunTables {
        private final SparkSession spark;
        private final String output, runId;

        RunTables(SparkSession spark, String output, String runId) {
            this.spark = spark;
            this.output = output;
            this.runId = runId;
        }

        private org.apache.spark.sql.Dataset<Row> table(String name) {
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

        Row run() {
            if (!exists(Tables.RUNS)) {
                throw Errors.invalidValue("--run", runId, "No run with this id under " + output + ": list the runs "
                        + "with SELECT run_id FROM parquet.`" + output + "/runs`, or point run.output at their tables.");
            }
            return table(Tables.RUNS).first();
        }

        List<Row> summary() {
            return table(Tables.SUMMARY).where("label_name IS NULL AND mean IS NOT NULL "
                    + "AND method NOT LIKE 'meta_evaluation:%'")
                    .orderBy(col("category"), col("metric"), org.apache.spark.sql.functions.expr(
                            "CASE WHEN higher_is_better THEN -mean ELSE mean END")).collectAsList();
        }

        List<Map<String, Object>> meta() {
            List<Map<String, Object>> out = new ArrayList<>();
            if (!exists(Tables.META)) return out;
            for (Row r : table(Tables.META).orderBy("model_id", "perturbation", "rank").collectAsList()) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (String k : List.of("model_id", "perturbation", "rank", "metric")) m.put(k, r.getAs(k));
                for (String k : List.of("mc", "mc_std", "iac_nr", "iac_ar", "iec_nr", "iec_ar")) m.put(k, num(r.getAs(k)));
                out.add(m);
            }
            return out;
        }

        /** Per metric, per (model, method): the curve's mean, low and high per position over the images. */
        Map<String, List<Charts.Series>> curves() {
            List<Row> rows = table(Tables.METRICS).where("curve IS NOT NULL")
                    .selectExpr("metric", "model_id", "method", "posexplode(curve) AS (pos, v)").where("NOT isnan(v)")
                    .groupBy("metric", "model_id", "method", "pos")
                    .agg(org.apache.spark.sql.functions.avg("v").as("mean"),
                            org.apache.spark.sql.functions.stddev_samp("v").as("sd"),
                            org.apache.spark.sql.functions.count("v").as("n"))
                    .orderBy("metric", "model_id", "method", "pos").collectAsList();
            Map<String, Map<String, List<double[]>>> points = new TreeMap<>();
            boolean severalModels = rows.stream().map(r -> r.<String>getAs("model_id")).distinct().count() > 1;
            for (Row r : rows) {
                String who = severalModels ? r.getAs("method") + " @ " + r.getAs("model_id") : r.getAs("method");
                double mean = r.getAs("mean"), sd = r.isNullAt(r.fieldIndex("sd")) ? 0 : r.<Double>getAs("sd");
                double half = 1.96 * sd / Math.sqrt(r.<Long>getAs("n"));
                points.computeIfAbsent(r.getAs("metric"), k -> new TreeMap<>()).computeIfAbsent(who, k -> new ArrayList<>())
                        .add(new double[]{mean, mean - half, mean + half});
            }
            Map<String, List<Charts.Series>> out = new TreeMap<>();
            points.forEach((metric, byMethod) -> {
                List<Charts.Series> series = new ArrayList<>();
                byMethod.forEach((who, p) -> series.add(new Charts.Series(who, p.stream().mapToDouble(a -> a[0]).toArray(),
                        p.stream().mapToDouble(a -> a[1]).toArray(), p.stream().mapToDouble(a -> a[2]).toArray())));
                out.put(metric, series);
            });
            return out;
        }

        /**
         * The gallery: the best, median and worst image by the run's ranking metric (deletion AUC when the run has it,
         * else the first metric by name; per image its mean over the methods) and the first image of each class, at
         * most {@link #GALLERY_IMAGES}, each with every method's map drawn signed and as |a|.
         */
        List<Map<String, Object>> gallery() {
            org.apache.spark.sql.Dataset<Row> metrics = table(Tables.METRICS).where("NOT isnan(value)");
            List<Row> names = metrics.select("metric", "higher_is_better").distinct().orderBy("metric").collectAsList();
            if (names.isEmpty()) return List.of();
            Row chosen = names.stream().filter(r -> r.getString(0).equals("deletion_auc")).findFirst().orElse(names.get(0));
            String metric = chosen.getString(0);
            boolean higher = chosen.getBoolean(1);
            List<Row> scores = metrics.where(col("metric").equalTo(metric)).groupBy("image_id")
                    .agg(org.apache.spark.sql.functions.avg("value").as("v")).orderBy(higher ? col("v").desc() : col("v"),
                            col("image_id")).collectAsList();
            Map<String, String> why = new LinkedHashMap<>();
            if (!scores.isEmpty()) {
                why.put(scores.get(0).getString(0), "best by " + metric);
                why.putIfAbsent(scores.get(scores.size() / 2).getString(0), "median by " + metric);
                why.putIfAbsent(scores.get(scores.size() - 1).getString(0), "worst by " + metric);
            }
            org.apache.spark.sql.Dataset<Row> maps = table(Tables.ATTRIBUTIONS);
            for (Row r : maps.groupBy("label_name").agg(org.apache.spark.sql.functions.min("image_id").as("id"))
                    .where("label_name IS NOT NULL").orderBy("label_name").limit(GALLERY_IMAGES).collectAsList()) {
                why.putIfAbsent(r.getString(1), "first of class " + r.getString(0));
            }
            List<String> ids = new ArrayList<>(why.keySet()).subList(0, Math.min(GALLERY_IMAGES, why.size()));
            Map<String, Map<String, Object>> images = new LinkedHashMap<>();
            for (String id : ids) images.put(id, null);
            for (Row r : maps.where(col("image_id").isin(ids.toArray())).orderBy("image_id", "model_id", "method")
                    .collectAsList()) {
                String id = r.getAs("image_id");
                Map<String, Object> img = images.get(id);
                if (img == null) {
                    img = new LinkedHashMap<>();
                    img.put("id", id);
                    img.put("why", why.get(id));
                    img.put("metric", metric);
                    img.put("label", r.getAs("label_name") == null ? "—" : r.getAs("label_name"));
                    img.put("predicted", r.getAs("predicted"));
                    img.put("probability", String.format(Locale.ROOT, "%.3f", r.<Float>getAs("probability")));
                    img.put("maps", new ArrayList<Map<String, Object>>());
                    images.put(id, img);
                }
                List<Float> m = r.getList(r.fieldIndex("map"));
                float[] a = new float[m.size()];
                for (int k = 0; k < a.length; k++) a[k] = m.get(k);
                int c = r.getAs("channels"), h = r.getAs("height"), w = r.getAs("width");
                Map<String, Object> cell = new LinkedHashMap<>();
                cell.put("method", r.getAs("method"));
                cell.put("model", r.getAs("model_id"));
                cell.put("signed", Heatmaps.dataUri(Heatmaps.render(a, c, h, w, Heatmaps.Sign.ALL, Heatmaps.OUTLIER_PERCENT)));
                cell.put("absolute", Heatmaps.dataUri(Heatmaps.render(a, c, h, w, Heatmaps.Sign.ABSOLUTE, Heatmaps.OUTLIER_PERCENT)));
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> cells = (List<Map<String, Object>>) img.get("maps");
                cells.add(cell);
            }
            List<Map<String, Object>> out = new ArrayList<>();
            for (Map<String, Object> img : images.values()) if (img != null) out.add(img);
            return out;
        }

        /** Per model and method: the draws its maps took and their relative standard error (adaptive sampling). */
        List<Map<String, Object>> sampling() {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Row r : table(Tables.ATTRIBUTIONS).groupBy("model_id", "method").agg(
                            org.apache.spark.sql.functions.count("*").as("maps"),
                            org.apache.spark.sql.functions.avg("draws").as("draws"),
                            org.apache.spark.sql.functions.max("draws").as("max_draws"),
                            org.apache.spark.sql.functions.avg("relative_se").as("se"),
                            org.apache.spark.sql.functions.max("relative_se").as("max_se"))
                    .orderBy("model_id", "method").collectAsList()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", r.getAs("model_id"));
                m.put("method", r.getAs("method"));
                m.put("maps", r.getAs("maps"));
                m.put("draws", num(r.getAs("draws")));
                m.put("maxDraws", r.getAs("max_draws"));
                m.put("se", num(r.getAs("se")));
                m.put("maxSe", num(r.getAs("max_se")));
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
                m.put("accuracy", num(r.getAs("accuracy")));
                m.put("clean", num(r.getAs("clean_accuracy")));
                m.put("drop", num(r.getAs("acc_drop")));
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
}
