package io.noiselens.report;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import io.noiselens.config.JobConfig;
import io.noiselens.config.JobConfigLoader;
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

/**
 * The run report ({@code noiselens report}, and at the end of every run with {@code report.enabled}): one static HTML
 * page under {@code <run.output>/reports/<run_id>/index.html}, written through the Hadoop client like the tables,
 * read from the tables alone (the gallery's inputs from the run's dataset: {@link Gallery}). The page is a Mustache
 * template (every value from the data HTML-escaped by the engine; only the generated SVG is inserted raw) with the
 * plots inline: no script, no stylesheet or font fetched, so it opens offline. Its size is bounded whatever the run's
 * size: a gallery of a few images, leaderboards per metric, curves aggregated per method, at most
 * {@link #MAX_ERRORS} error rows (with the total).
 */
public final class Report {
    static final int MAX_ERRORS = 200;
    private static final Mustache TEMPLATE = new DefaultMustacheFactory("report").compile("index.mustache");

    private Report() {}

    /** Where the report of {@code runId} goes by default. */
    public static String defaultLocation(String output, String runId) {
        return output + "/reports/" + runId;
    }

    /**
     * Reads run {@code runId}'s tables under {@code output}, writes the report into {@code dir}; returns the page.
     * {@code options} draws the gallery; {@code compare}, when not null, is a previous run (same output) to compare with.
     */
    public static String write(SparkSession spark, String output, String runId, String dir, JobConfig.Report options,
                               String compare) {
        String html = render(spark, output, runId, options, compare);
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
    static String render(SparkSession spark, String output, String runId, JobConfig.Report options, String compare) {
        RunTables t = new RunTables(spark, output, runId);
        Row run = t.run("--run");
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
        List<Row> summary = t.summary();
        page.put("categories", leaderboards(summary));
        page.put("curves", plots(t.curves(), "step", false));
        List<Map<String, Object>> sweeps = plots(t.sweeps(), "σ", true);
        page.put("sweeps", sweeps);
        page.put("hasSweeps", !sweeps.isEmpty());
        List<Map<String, Object>> gallery = Gallery.of(t, options, recordedConfig(run.getAs("config_json")),
                inputShape(run.getAs("preprocessing_json")));
        page.put("gallery", gallery);
        page.put("views", String.join(", ", options.views()));
        List<String> order = new ArrayList<>();
        for (String v : options.views()) for (String sign : options.signs()) order.add(v.replace('_', ' ') + " (" + sign + ")");
        page.put("order", String.join(", ", order));
        page.put("signs", String.join(", ", options.signs()));
        page.put("outlierPercent", options.outlierPercent());
        page.put("sampling", t.sampling());
        List<Map<String, Object>> replicas = t.replicas();
        page.put("replicas", replicas);
        page.put("hasReplicas", !replicas.isEmpty());
        List<Map<String, Object>> meta = t.meta();
        page.put("meta", meta);
        page.put("hasMeta", !meta.isEmpty());
        if (compare != null) {
            RunTables previous = new RunTables(spark, output, compare);
            previous.run("--compare");
            List<Comparison.Change> changes = Comparison.of(summary, previous.summary());
            page.put("compare", Map.of("runId", compare, "rows", Comparison.rows(changes),
                    "flagged", changes.stream().filter(c -> !c.flag().equals("unchanged")).count(), "total", changes.size()));
        }
        List<Map<String, Object>> claims = t.claims();
        if (!claims.isEmpty()) page.put("claims", Map.of("first", claims.get(0), "rows", claims));
        List<Map<String, Object>> errors = t.errors(MAX_ERRORS);
        page.put("errors", errors);
        page.put("errorsShown", errors.size());
        page.put("hasErrors", !errors.isEmpty());
        StringWriter w = new StringWriter();
        TEMPLATE.execute(w, page);
        return w.toString();
    }

    /** The run's configuration as this version reads it; null when it cannot (the gallery then omits the inputs). */
    private static JobConfig recordedConfig(String json) {
        try {
            return JobConfigLoader.fromString(json, List.of());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The first model's input shape C×H×W from the run's recorded preprocessing. */
    private static int[] inputShape(String json) {
        try {
            com.fasterxml.jackson.databind.JsonNode in = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json)
                    .get(0).get("input");
            return new int[]{in.get(0).asInt(), in.get(1).asInt(), in.get(2).asInt()};
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("The run's preprocessing_json has no input shape: " + json, e);
        }
    }

    /** Per category, per metric: the methods ranked best first by their mean, with the 95 % interval. */
    private static List<Map<String, Object>> leaderboards(List<Row> summary) {
        Map<String, Map<String, Map<String, Object>>> byCategory = new TreeMap<>();
        for (Row r : summary) {
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

    /** One SVG plot per metric of its series (mean with a 95 % band) against {@code x}. */
    private static List<Map<String, Object>> plots(Map<String, List<Charts.Series>> byMetric, String x, boolean points) {
        List<Map<String, Object>> out = new ArrayList<>();
        byMetric.forEach((metric, series) -> out.add(Map.of("metric", metric, "svg",
                Charts.curves(metric, x, "mean over images (95 % band)", series, points, 640, 360))));
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
}
