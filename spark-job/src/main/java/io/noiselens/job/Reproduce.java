package io.noiselens.job;

import io.noiselens.claims.Claim;
import io.noiselens.claims.Verdict;
import io.noiselens.lang.Errors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code noiselens reproduce}: each claim's experiment ({@code conf/claims/<id>.conf}) run through the ordinary job,
 * its comparisons computed from the run's tables by the Spark SQL beside the claims, {@code conf/claims/comparisons.sql}
 * (and {@code noise_level.sql} for the NoiseGrad paper's heuristic), each decided by a paired t-interval
 * ({@link Verdict}), and written to the {@code claims} table (partition {@code run_id}) that the run's report shows.
 */
public final class Reproduce {
    /** The claims, in the order they run: the NoiseGrad paper, Lim et al., Ye and Farnia, Goh et al., Lu et al. */
    public static final List<String> CLAIMS = List.of("noisegrad", "relex", "stability", "smoothtaylor", "dance");

    public static final StructType SCHEMA = new StructType()
            .add("claim_id", DataTypes.StringType, false).add("paper", DataTypes.StringType, false)
            .add("statement", DataTypes.StringType, false).add("scale", DataTypes.StringType, false)
            .add("setting", DataTypes.StringType, false).add("comparison", DataTypes.StringType, false)
            .add("metric", DataTypes.StringType, true).add("method", DataTypes.StringType, true)
            .add("baseline", DataTypes.StringType, true).add("expected", DataTypes.StringType, false)
            .add("n", DataTypes.LongType, false).add("figure", DataTypes.DoubleType, true)
            .add("ci95_low", DataTypes.DoubleType, true).add("ci95_high", DataTypes.DoubleType, true)
            .add("outcome", DataTypes.StringType, false).add("claim_outcome", DataTypes.StringType, false)
            .add("note", DataTypes.StringType, true).add("run_id", DataTypes.StringType, false);

    private Reproduce() {}

    /** The claims named by {@code --claims} (comma-separated; null: all), checked. */
    static List<String> select(String list) {
        if (list == null) return CLAIMS;
        List<String> out = new ArrayList<>();
        for (String id : list.split(",")) {
            String c = id.trim();
            if (!CLAIMS.contains(c)) throw Errors.invalidValue("--claims", c, "Use any of " + CLAIMS + ", comma-separated.");
            if (!out.contains(c)) out.add(c);
        }
        return out;
    }

    /** The text of claim {@code id}'s file (packaged from {@code conf/claims/}). */
    static String file(String id) {
        return resource("claims/" + id + ".conf");
    }

    private static String resource(String name) {
        try (InputStream in = Reproduce.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is missing from the NoiseLens jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code ids} at {@code scale} with {@code overrides}; prints each claim's rows and report; returns the rows. */
    static List<Row> run(List<String> ids, String scale, List<String> overrides, PrintStream out) {
        List<Claim> claims = new ArrayList<>();
        // Every claim's file and comparisons are checked before the first experiment starts.
        for (String id : ids) claims.add(Claim.parse(id, file(id), scale, overrides));
        List<Row> all = new ArrayList<>();
        for (Claim claim : claims) {
            List<ExplainJob.ResolvedModel> models = ExplainJob.prepare(claim.job());
            SparkSession spark = NoiseLensMain.session(claim.job());
            try {
                out.println("Claim " + claim.id() + " (" + claim.paper() + "): " + claim.statement());
                ExplainJob.Outcome o = ExplainJob.run(spark, claim.job(), models);
                List<Row> rows = decide(spark, claim, scale, o.output(), o.runId());
                write(spark, rows, o.output(), o.runId());
                print(rows, out);
                all.addAll(rows);
                if (claim.job().run().report().enabled()) {
                    out.println("Report: " + io.noiselens.report.Report.write(spark, o.output(), o.runId(),
                            io.noiselens.report.Report.defaultLocation(o.output(), o.runId()), claim.job().run().report(), null));
                }
            } finally {
                spark.stop();
            }
        }
        return all;
    }

    /** The claim's rows from run {@code runId}'s tables: the heuristic's noise level when asked, then each comparison. */
    static List<Row> decide(SparkSession spark, Claim claim, String scale, String output, String runId) {
        spark.read().parquet(output + "/" + Tables.METRICS).createOrReplaceTempView("metrics");
        Row run = spark.read().parquet(output + "/" + Tables.RUNS).where(org.apache.spark.sql.functions.col("run_id")
                .equalTo(runId)).first();
        String setting = run.getAs("dataset") + ", " + run.getAs("n_images") + " images; models " + run.getAs("model_id")
                + "; methods " + String.join(", ", run.<String>getList(run.fieldIndex("methods")));
        List<Object[]> rows = new ArrayList<>();
        String label = null;
        if (claim.noiseLevel()) {
            List<Row> level = List.of();
            if (exists(spark, output + "/" + Tables.REPLICAS + "/run_id=" + runId)) {
                spark.read().parquet(output + "/" + Tables.REPLICAS).createOrReplaceTempView("replicas");
                level = sql(spark, "noise_level", runId);
            }
            if (level.isEmpty()) {
                rows.add(new Object[]{"weight-noise level by the accuracy-drop heuristic", null, null, null, "report", 0L,
                        null, null, null, "inconclusive", "the run has no weight-noise replicas to choose from"});
            } else {
                double sigma = level.get(0).getDouble(0), drop = level.get(0).getDouble(1);
                label = Claim.label(sigma);
                rows.add(new Object[]{"weight-noise level by the accuracy-drop heuristic", null, null, null, "report",
                        level.get(0).getLong(2), sigma, null, null, "reported", String.format(Locale.ROOT,
                        "σ_w = %s: the replicas lose %.1f %% of the clean accuracy on average (target 5-10 %%)%s", label,
                        100 * drop, drop >= 0.05 && drop <= 0.10 ? "" : "; no swept σ_w lands in the target")});
            }
        }
        List<Row> comparisons = new ArrayList<>();
        for (Claim.Comparison c : claim.comparisons()) {
            comparisons.add(RowFactory.create(c.name(), c.metric(), Claim.resolve(c.method(), label),
                    Claim.resolve(c.baseline(), label)));
        }
        spark.createDataFrame(comparisons, new StructType().add("comparison", DataTypes.StringType)
                .add("metric", DataTypes.StringType).add("method", DataTypes.StringType)
                .add("baseline", DataTypes.StringType)).createOrReplaceTempView("claim_comparisons");
        Map<String, Row> stats = new java.util.HashMap<>();
        for (Row r : sql(spark, "comparisons", runId)) stats.put(r.getString(0), r);
        List<Verdict.Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < claim.comparisons().size(); i++) {
            Claim.Comparison c = claim.comparisons().get(i);
            Row s = stats.get(c.name());
            long n = s.getLong(4);
            Verdict v = Verdict.of(c.expected(), c.margin(), n, n == 0 ? Double.NaN : s.getDouble(5),
                    s.isNullAt(6) ? Double.NaN : s.getDouble(6));
            outcomes.add(v.outcome());
            String note = n == 0 ? "no image has both maps' values: is " + comparisons.get(i).getString(2) + " in the run?"
                    : c.expected() == Verdict.Expected.NO_WORSE ? "non-inferiority margin " + c.margin() : null;
            rows.add(new Object[]{c.name(), c.metric(), comparisons.get(i).getString(2), comparisons.get(i).getString(3),
                    c.expected().key(), n, finite(v.mean()), finite(v.low()), finite(v.high()), v.outcome().text(), note});
        }
        String overall = Verdict.Outcome.all(outcomes).text();
        List<Row> out = new ArrayList<>();
        for (Object[] r : rows) {
            out.add(new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(new Object[]{claim.id(),
                    claim.paper(), claim.statement(), scale, setting, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                    r[9], overall, r[10], runId}, SCHEMA));
        }
        return out;
    }

    private static boolean exists(SparkSession spark, String path) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        try {
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Double finite(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static List<Row> sql(SparkSession spark, String name, String runId) {
        return spark.sql(resource("claims/" + name + ".sql"), Map.of("run_id", runId)).collectAsList();
    }

    private static void write(SparkSession spark, List<Row> rows, String output, String runId) {
        spark.createDataFrame(rows, SCHEMA).drop("run_id").coalesce(1).write().mode(SaveMode.Overwrite)
                .parquet(output + "/" + Tables.CLAIMS + "/run_id=" + runId);
    }

    private static void print(List<Row> rows, PrintStream out) {
        for (Row r : rows) {
            out.printf(Locale.ROOT, "  %-13s %-60s %s%n", r.getAs("outcome"), r.getAs("comparison"),
                    r.isNullAt(r.fieldIndex("figure")) ? "" : r.isNullAt(r.fieldIndex("ci95_low"))
                            ? String.format(Locale.ROOT, "%.4g", r.<Double>getAs("figure"))
                            : String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f], n = %d", r.<Double>getAs("figure"),
                            r.<Double>getAs("ci95_low"), r.<Double>getAs("ci95_high"), r.<Long>getAs("n")));
        }
        if (!rows.isEmpty()) out.println("  claim: " + rows.get(0).getAs("claim_outcome"));
    }
}
