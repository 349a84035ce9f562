package io.noiselens.job;

import io.noiselens.config.JobConfig;
import io.noiselens.config.JobConfigLoader;
import io.noiselens.methods.MethodCatalogue;
import io.noiselens.model.BuiltinModels;
import io.noiselens.lang.Errors;
import io.noiselens.lang.NoiseLensException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The NoiseLens command line, the same under spark-submit (Spark provided) and standalone (local[*]):
 * <pre>
 *   run  --config FILE [--set key=value]...   run the job a configuration file describes
 *   demo [--set key=value]...                 the embedded demo (conf/demo.conf) end to end
 *   ingest [--config FILE] [--set key=value]... an image folder (and its boxes) to a Parquet dataset
 *   bench ...                                   the benchmark: its own entry point, io.noiselens.bench.Bench
 * </pre>
 * Each answers {@code --help}; {@code --verbose} anywhere adds the stack trace to an error.
 */
public final class NoiseLensMain {
    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: noiselens run --config FILE [--set key=value]...",
            "       noiselens demo [--set key=value]...",
            "       noiselens ingest [--config FILE] --set dataset.folder.path=DIR --set ingest.output=PATH [--set key=value]...",
            "       noiselens bench [--help]   (the benchmark: bin/noiselens bench, main class io.noiselens.bench.Bench)",
            "       noiselens methods [--markdown]   (every method kind with its keys and defaults)",
            "       noiselens metrics [--markdown]   (every metric with its direction and option defaults)",
            "       noiselens report --run RUN_ID [--compare RUN_ID] [--output DIR] [--config FILE] [--set key=value]...   "
                    + "(a run's HTML report from its tables under run.output, with the changes since an earlier run; "
                    + "default DIR: <run.output>/reports/<RUN_ID>; gallery settings: report.gallery.*)",
            "       noiselens reproduce [--claims " + String.join(",", Reproduce.CLAIMS) + "] [--scale small|full] "
                    + "[--set key=value]...   (the seeds' claims, conf/claims/: one run each, the claims table, each "
                    + "run's report; default: every claim, small)",
            "       noiselens train [--config FILE] [--set key=value]...   (trains the built-in models model.path names "
                    + "into model.cache_dir, printing their files)",
            "Keys: " + String.join(", ", JobConfigLoader.KEYS.stream().map(k -> k.path()).toList()));

    private NoiseLensMain() {}

    /** A command-line program: runs with the arguments and returns its exit code. */
    @FunctionalInterface
    public interface Command {
        int run(String[] args, PrintStream out) throws Exception;
    }

    public static void main(String[] args) {
        exit(args, NoiseLensMain::run);
    }

    /**
     * Runs {@code command} and exits with its code: 2 and the message for a user's mistake, 1 and the failure in
     * one paragraph for anything else; {@code --verbose} anywhere adds the stack trace.
     */
    public static void exit(String[] args, Command command) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        String[] rest = java.util.Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        try {
            System.exit(command.run(rest, System.out));
        } catch (NoiseLensException e) {
            System.err.println("error: " + e.getMessage());
            if (verbose) e.printStackTrace();
            System.exit(2);
        } catch (Exception | Error e) {
            System.err.println(failure(e, verbose));
            System.exit(1);
        }
    }

    /**
     * An unexpected failure in one paragraph: the exception and its causes' messages; the stack trace only with
     * {@code --verbose}. A user's mistake is a {@link NoiseLensException} and never gets here.
     */
    static String failure(Throwable e, boolean verbose) {
        StringBuilder b = new StringBuilder("error: the run failed: ");
        java.util.Set<Throwable> seen = new java.util.HashSet<>();
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (t != e) b.append(System.lineSeparator()).append("  caused by: ");
            String m = t.getMessage() == null ? "" : t.getMessage().strip();
            int nl = m.indexOf('\n');
            b.append(t.getClass().getSimpleName()).append(m.isEmpty() ? "" : ": " + (nl < 0 ? m : m.substring(0, nl)));
        }
        if (verbose) {
            java.io.StringWriter w = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(w));
            b.append(System.lineSeparator()).append(w);
        } else {
            b.append(System.lineSeparator()).append("Run again with --verbose for the stack trace.");
        }
        return b.toString();
    }

    /** Runs a subcommand; returns the exit code. Configuration is validated before Spark starts. */
    public static int run(String[] args, PrintStream out) {
        if (args.length == 0) throw new NoiseLensException("No subcommand given." + System.lineSeparator() + USAGE);
        String command = args[0];
        if (command.equals("methods")) {
            List<String> rest = List.of(args).subList(1, args.length);
            if (!rest.isEmpty() && !rest.equals(List.of("--markdown")) && !rest.contains("--help") && !rest.contains("-h")) {
                throw new NoiseLensException("Unknown argument '" + rest.get(0) + "'; 'methods' takes only --markdown.");
            }
            out.print(rest.equals(List.of("--markdown")) ? MethodCatalogue.markdownTable() : MethodCatalogue.help());
            return 0;
        }
        if (command.equals("metrics")) {
            List<String> rest = List.of(args).subList(1, args.length);
            if (!rest.isEmpty() && !rest.equals(List.of("--markdown"))) {
                throw new NoiseLensException("Unknown argument '" + rest.get(0) + "'; 'metrics' takes only --markdown.");
            }
            out.print(io.noiselens.metrics.catalogue.MetricCatalogue.markdownTable());
            return 0;
        }
        if (command.equals("bench")) {
            String where = "The benchmark has its own entry point: run it as 'bin/noiselens bench', or with the main "
                    + "class io.noiselens.bench.Bench ('bin/noiselens bench --help' lists its options).";
            if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
                out.println("Usage: bin/noiselens bench [options]" + System.lineSeparator() + where);
                return 0;
            }
            throw new NoiseLensException(where);
        }
        Path configFile = null;
        List<String> sets = new ArrayList<>();
        String runId = null, reportDir = null, compare = null, claims = null, scale = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> configFile = Path.of(value(args, ++i, "--config"));
                case "--set" -> sets.add(value(args, ++i, "--set"));
                case "--run" -> runId = value(args, ++i, "--run");
                case "--output" -> reportDir = value(args, ++i, "--output");
                case "--compare" -> compare = value(args, ++i, "--compare");
                case "--claims" -> claims = value(args, ++i, "--claims");
                case "--scale" -> scale = value(args, ++i, "--scale");
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> throw new NoiseLensException("Unknown argument '" + args[i] + "'." + System.lineSeparator() + USAGE);
            }
        }
        if (!command.equals("report") && (runId != null || reportDir != null || compare != null)) {
            throw new NoiseLensException("--run, --compare and --output belong to 'report'." + System.lineSeparator() + USAGE);
        }
        if (!command.equals("reproduce") && (claims != null || scale != null)) {
            throw new NoiseLensException("--claims and --scale belong to 'reproduce'." + System.lineSeparator() + USAGE);
        }
        if (command.equals("reproduce")) {
            if (configFile != null) throw new NoiseLensException("'reproduce' runs the claims' own files (conf/claims/); "
                    + "change a key with --set.");
            Reproduce.run(Reproduce.select(claims), scale == null ? "small" : scale, sets, out);
            return 0;
        }
        if (command.equals("report")) {
            if (runId == null) throw new NoiseLensException("'report' needs --run RUN_ID." + System.lineSeparator() + USAGE);
            return report(configFile == null ? JobConfigLoader.fromString(demoConfig(), sets)
                    : JobConfigLoader.load(configFile, sets), runId, compare, reportDir, out);
        }
        if (command.equals("ingest")) return ingest(JobConfigLoader.ingest(configFile, sets), out);
        if (command.equals("train")) {
            return train(configFile == null ? JobConfigLoader.fromString(demoConfig(), sets)
                    : JobConfigLoader.load(configFile, sets), out);
        }
        JobConfig cfg = switch (command) {
            case "run" -> {
                if (configFile == null) throw new NoiseLensException("'run' needs --config FILE." + System.lineSeparator() + USAGE);
                yield JobConfigLoader.load(configFile, sets);
            }
            case "demo" -> {
                if (configFile != null) throw new NoiseLensException("'demo' uses the embedded conf/demo.conf; "
                        + "use 'run --config' for your own file, or --set to change a key.");
                yield JobConfigLoader.fromString(demoConfig(), sets);
            }
            case "-h", "--help" -> {
                out.println(USAGE);
                yield null;
            }
            default -> throw new NoiseLensException("Unknown subcommand '" + command + "'." + System.lineSeparator() + USAGE);
        };
        if (cfg == null) return 0;
        List<ExplainJob.ResolvedModel> models = ExplainJob.prepare(cfg);
        SparkSession spark = session(cfg);
        try {
            ExplainJob.Outcome o = ExplainJob.run(spark, cfg, models);
            printSummary(spark, o, out);
            if (cfg.run().report().enabled()) {
                out.println(System.lineSeparator() + "Report: " + io.noiselens.report.Report.write(spark, o.output(), o.runId(),
                        io.noiselens.report.Report.defaultLocation(o.output(), o.runId()), cfg.run().report(), null));
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    /**
     * {@code noiselens report}: the report of a finished run, from its tables under {@code run.output}, compared with
     * run {@code compare} when not null.
     */
    static int report(JobConfig cfg, String runId, String compare, String dir, PrintStream out) {
        SparkSession spark = session(cfg.spark(), "NoiseLens report " + runId);
        try {
            out.println("Report: " + io.noiselens.report.Report.write(spark, cfg.run().output(), runId,
                    dir != null ? dir : io.noiselens.report.Report.defaultLocation(cfg.run().output(), runId),
                    cfg.run().report(), compare));
            return 0;
        } finally {
            spark.stop();
        }
    }

    /**
     * Trains the built-in models the configuration's {@code model.path(s)} name into {@code model.cache_dir} (or finds
     * them there) and prints their files: what a run would otherwise do on first use, done ahead (e.g. once, before
     * copying the cache to a cluster).
     */
    static int train(JobConfig cfg, PrintStream out) {
        List<String> builtins = cfg.model().paths().stream().filter(BuiltinModels::isBuiltin).toList();
        if (builtins.isEmpty()) {
            throw Errors.invalidValue("model.path", String.join(", ", cfg.model().paths()), "'train' trains built-in "
                    + "models only: set model.path to " + BuiltinModels.DEMO + " or " + BuiltinModels.FASHION_MNIST + ".");
        }
        for (String file : BuiltinModels.files(builtins, cfg.model().builtins(cfg.dataset().fashionMnistPath()))) {
            out.println(file);
        }
        return 0;
    }

    private static int ingest(JobConfig.Ingest cfg, PrintStream out) {
        Preflight.master(cfg.spark().master());
        Preflight.dataset(cfg.dataset());
        SparkSession spark = session(cfg.spark(), "NoiseLens ingest " + cfg.dataset().folderPath());
        try {
            long t = System.nanoTime();
            Ingest.Outcome o = Ingest.run(spark, cfg);
            out.printf("Ingested %d images (%d with box annotations; bad files are kept for the job's errors table) "
                            + "from %s into %d Parquet files at %s in %.1f s; read them with --set dataset.kind=parquet "
                            + "--set dataset.parquet.path=%s%n", o.images(), o.annotated(), cfg.dataset().folderPath(),
                    o.files(), o.output(), (System.nanoTime() - t) / 1e9, o.output());
            return 0;
        } finally {
            spark.stop();
        }
    }

    public static SparkSession session(JobConfig cfg) {
        return session(cfg.spark(), "NoiseLens " + cfg.run().id());
    }

    static SparkSession session(JobConfig.Spark s, String name) {
        SparkConf conf = new SparkConf();
        SparkSession.Builder b = SparkSession.builder().appName(name);
        if (!s.master().isEmpty()) {
            b.master(s.master());
            if (s.master().startsWith("local-cluster")) localClusterExecutors(conf, b);
        } else if (!conf.contains("spark.master")) {
            b.master("local[*]").config("spark.ui.enabled", "false");
        }
        return b.config("spark.sql.session.timeZone", "UTC").getOrCreate();
    }

    /**
     * local-cluster's executors are fresh JVMs: they get this JVM's classpath (the shaded jar, or a source checkout's
     * classes and jars) and its native-library settings ({@code org.bytedeco.*}: which libnd4j binary to load).
     * Spark's launcher, which builds their command, otherwise guesses the Scala version from a source checkout's
     * build directories ("Cannot find any build directories").
     */
    private static void localClusterExecutors(SparkConf conf, SparkSession.Builder b) {
        String version = scala.util.Properties.versionNumberString();
        b.config("spark.executorEnv.SPARK_SCALA_VERSION", version.substring(0, version.lastIndexOf('.')));
        if (!conf.contains("spark.executor.extraClassPath")) {
            b.config("spark.executor.extraClassPath", System.getProperty("java.class.path"));
        }
        StringBuilder opts = new StringBuilder(conf.get("spark.executor.extraJavaOptions", ""));
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("org.bytedeco.")) opts.append(" -D").append(k).append('=').append(System.getProperty(k));
        }
        b.config("spark.executor.extraJavaOptions", opts.toString().strip());
    }

    static void printSummary(SparkSession spark, ExplainJob.Outcome o, PrintStream out) {
        String attributions = o.output() + "/" + Tables.ATTRIBUTIONS;
        spark.read().parquet(attributions).createOrReplaceTempView("nl_attributions");
        out.printf("%nRun %s: %d images, %d maps, %d errors in %.1f s%n", o.runId(), o.images(), o.attributions(),
                o.errors(), o.seconds());
        out.println("Tables (Parquet, partitioned by run_id):");
        for (String t : List.of(Tables.ATTRIBUTIONS, Tables.METRICS, Tables.SUMMARY, Tables.META, Tables.REPLICAS,
                Tables.ERRORS, Tables.RUNS)) {
            if (t.equals(Tables.META) && !java.nio.file.Files.isDirectory(Path.of(o.output(), t, "run_id=" + o.runId()))) continue;
            out.println("  " + t + ": " + Path.of(o.output(), t).toAbsolutePath());
        }
        out.println();
        out.printf("%-22s %6s %12s %12s %12s %14s%n", "method", "maps", "mean |map|₁", "mean |map|₂", "mean max", "IG rel. delta");
        for (Row r : spark.sql("SELECT method, count(*) n, avg(map_l1) l1, avg(map_l2) l2, avg(map_max) mx, "
                + "avg(ig_rel_delta) d FROM nl_attributions WHERE run_id = :run_id "
                + "GROUP BY method ORDER BY method", java.util.Map.of("run_id", o.runId())).collectAsList()) {
            out.printf("%-22s %6d %12.4g %12.4g %12.4g %14s%n", r.getString(0), r.getLong(1), r.getDouble(2),
                    r.getDouble(3), r.getDouble(4), r.isNullAt(5) ? "-" : String.format("%.4f", r.getDouble(5)));
        }
        printReplicas(spark, o, out);
        printRankings(spark, o, out);
        printMeta(spark, o, out);
    }

    /** The meta-evaluation's ranking of the metrics per perturbation kind, most consistent first. */
    static void printMeta(SparkSession spark, ExplainJob.Outcome o, PrintStream out) {
        java.nio.file.Path meta = Path.of(o.output(), Tables.META, "run_id=" + o.runId());
        if (!java.nio.file.Files.isDirectory(meta)) return;
        spark.read().parquet(meta.toString()).createOrReplaceTempView("nl_meta");
        String kind = null;
        for (Row r : spark.sql("SELECT perturbation, rank, metric, mc, mc_std, model_id FROM nl_meta "
                + "ORDER BY model_id, perturbation, rank").collectAsList()) {
            if (!r.getString(0).equals(kind)) {
                kind = r.getString(0);
                out.printf("%nMETRIC RELIABILITY (MetaQuantus, %s perturbations; MC: 1 is ideal) %s%n", kind, r.getString(5));
            }
            out.printf("    %d. %-34s %s%n", r.getInt(1), r.getString(2), r.isNullAt(3) ? "undefined"
                    : String.format("%.3f ± %.3f", r.getDouble(3), r.isNullAt(4) ? 0 : r.getDouble(4)));
        }
    }

    /** The weight-noise replicas' accuracy against the clean model's, per σ_w. */
    static void printReplicas(SparkSession spark, ExplainJob.Outcome o, PrintStream out) {
        java.nio.file.Path replicas = Path.of(o.output(), Tables.REPLICAS, "run_id=" + o.runId());
        if (!java.nio.file.Files.isDirectory(replicas)) return;
        spark.read().parquet(replicas.toString()).createOrReplaceTempView("nl_replicas");
        for (Row r : spark.sql("SELECT sigma_w, count(*), first(n_images), first(clean_accuracy), avg(accuracy), "
                + "min(accuracy) FROM nl_replicas GROUP BY sigma_w ORDER BY sigma_w").collectAsList()) {
            out.printf("%nWeight-noise replicas at sigma_w = %.3g: %d replicas on %d images, accuracy %.3f on average "
                            + "(lowest %.3f) against %.3f for the clean model%n", r.getDouble(0), r.getLong(1),
                    r.getLong(2), r.getDouble(4), r.getDouble(5), r.getDouble(3));
        }
    }

    /** Per metric category, the methods ranked best first by each metric's mean, with the 95 % interval. */
    static void printRankings(SparkSession spark, ExplainJob.Outcome o, PrintStream out) {
        java.nio.file.Path summary = Path.of(o.output(), Tables.SUMMARY, "run_id=" + o.runId());
        if (!java.nio.file.Files.isDirectory(summary)) return;
        spark.read().parquet(summary.toString()).createOrReplaceTempView("nl_summary");
        boolean severalModels = spark.sql("SELECT count(DISTINCT model_id) FROM nl_summary").first().getLong(0) > 1;
        List<Row> rows = spark.sql("SELECT category, metric, higher_is_better, method, n, mean, ci95_low, ci95_high, model_id "
                + "FROM nl_summary WHERE label_name IS NULL AND mean IS NOT NULL AND method NOT LIKE 'meta_evaluation:%' "
                + "ORDER BY category, metric, CASE WHEN higher_is_better THEN -mean ELSE mean END").collectAsList();
        String category = null, metric = null;
        int rank = 0;
        for (Row r : rows) {
            if (!r.getString(0).equals(category)) {
                category = r.getString(0);
                out.printf("%n%s%n", category.toUpperCase());
            }
            if (!r.getString(1).equals(metric)) {
                metric = r.getString(1);
                rank = 0;
                out.printf("  %s (%s is better)%n", metric, r.getBoolean(2) ? "higher" : "lower");
            }
            String who = severalModels ? r.getString(3) + " @ " + r.getString(8) : r.getString(3);
            out.printf("    %d. %-22s %9.4f  [%.4f, %.4f]  n=%d%n", ++rank, who, r.getDouble(5),
                    r.getDouble(6), r.getDouble(7), r.getLong(4));
        }
    }

    public static String demoConfig() {
        try (InputStream in = NoiseLensMain.class.getResourceAsStream("/demo.conf")) {
            if (in == null) throw new IllegalStateException("demo.conf is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new NoiseLensException(flag + " needs a value." + System.lineSeparator() + USAGE);
        return args[i];
    }
}
