package io.noiselens.job;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Replaces a run's partitions in every table so that a kill at any moment leaves either the previous state or the
 * new one, and the {@code runs} table says which:
 * <ol>
 *   <li>every table's new partition is written beside the old one, as {@code <table>/.pending_run_id=<id>} (names
 *       starting with {@code .} are invisible to Spark's partition discovery; {@code _} ones are not when they hold
 *       an {@code =}): a kill here leaves the previous
 *       state untouched, and the next start deletes the pending directories;</li>
 *   <li>a journal {@code _commits/<id>} (written to a temporary name and renamed: it exists whole or not at all)
 *       lists the tables — the commit point;</li>
 *   <li>the run's {@code runs} row becomes {@code committing} (swapped like a table), so that readers who take
 *       only committed runs ({@link #COMMITTED}) skip the run while its tables are swapped;</li>
 *   <li>each table's old partition is renamed aside and the pending one into place, the {@code runs} table last;
 *       then the set-aside partitions and the journal are deleted.</li>
 * </ol>
 * A kill during 3–4 leaves the journal: the next start of any run on the same output ({@link #recover}) finishes the
 * swaps (roll forward), so the run ends in its new state. Renames are atomic on local file systems and HDFS; on
 * object stores (S3A) a directory rename is a copy, and a kill mid-rename is repaired only by {@link #recover}.
 */
final class RunCommit {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommit.class);
    static final String JOURNALS = "_commits";
    private static final String PENDING = ".pending_run_id=", OLD = ".old_run_id=", LIVE = "run_id=";
    /** The SQL condition readers use to take only committed runs from the runs table. */
    static final String COMMITTED = "status IN ('succeeded', 'succeeded_with_errors')";
    /** A test hook: {@code -Dnoiselens.commit.pause_at=<step>} prints the step and waits there to be killed. */
    private static final String PAUSE_AT = System.getProperty("noiselens.commit.pause_at", "");

    private final SparkSession spark;
    private final String out, runId;
    private final FileSystem fs;
    private final List<String> tables = new ArrayList<>();

    RunCommit(SparkSession spark, String out, String runId) {
        this.spark = spark;
        this.out = out;
        this.runId = runId;
        this.fs = fileSystem(spark, out);
    }

    /** Writes {@code rows} as the pending partition of {@code table}; returns the row count and where it is. */
    long stage(Dataset<Row> rows, String table) {
        Path pending = pending(table);
        delete(fs, pending);
        rows.drop("run_id").write().mode(SaveMode.Overwrite).parquet(pending.toString());
        tables.add(table);
        pause("staged " + table);
        return spark.read().parquet(pending.toString()).count();
    }

    /** The pending partition of {@code table}, for what is derived from it before the commit (summaries). */
    Dataset<Row> staged(String table) {
        return spark.read().parquet(pending(table).toString()).withColumn("run_id", org.apache.spark.sql.functions.lit(runId));
    }

    /**
     * Swaps every staged table in, {@code runs} last ({@code committing} is the runs row written while the others
     * are swapped).
     */
    void commit(Dataset<Row> committing) {
        if (!tables.contains(Tables.RUNS)) throw new IllegalStateException("the runs row must be staged before the commit");
        Path journal = new Path(out + "/" + JOURNALS + "/" + runId);
        Path tmp = new Path(out + "/" + JOURNALS + "/_" + runId + ".tmp");
        try {
            fs.mkdirs(journal.getParent());
            try (var o = fs.create(tmp, true)) {
                o.write(String.join("\n", tables).getBytes(StandardCharsets.UTF_8));
            }
            if (!fs.rename(tmp, journal)) throw new IOException("cannot rename " + tmp + " to " + journal);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the commit journal " + journal, e);
        }
        pause("journal written");
        Path marker = new Path(out + "/" + Tables.RUNS + "/.marker_run_id=" + runId);
        committing.drop("run_id").write().mode(SaveMode.Overwrite).parquet(marker.toString());
        swap(fs, new Path(out + "/" + Tables.RUNS), runId, marker);
        pause("runs marked committing");
        for (String t : tables) {
            if (t.equals(Tables.RUNS)) continue;
            swap(fs, new Path(out + "/" + t), runId, pending(t));
            pause("swapped " + t);
        }
        swap(fs, new Path(out + "/" + Tables.RUNS), runId, pending(Tables.RUNS));
        pause("swapped runs");
        finish(fs, new Path(out), runId, tables);
    }

    private Path pending(String table) {
        return new Path(out + "/" + table + "/" + PENDING + runId);
    }

    /**
     * Finishes what a killed run left on {@code out}: journalled commits are rolled forward, every other pending or
     * set-aside partition (and the explain stage's staging table) is removed. Called when a run starts.
     */
    static void recover(SparkSession spark, String out) {
        FileSystem fs = fileSystem(spark, out);
        Path root = new Path(out);
        try {
            Path journals = new Path(root, JOURNALS);
            if (fs.exists(journals)) {
                for (FileStatus j : fs.listStatus(journals)) {
                    String name = j.getPath().getName();
                    if (name.startsWith("_")) {
                        fs.delete(j.getPath(), false);
                        continue;
                    }
                    List<String> tables = List.of(new String(readAll(fs, j.getPath()), StandardCharsets.UTF_8).split("\n"));
                    LOG.warn("Run {} was killed while its tables were being replaced: completing its commit", name);
                    for (String t : tables) {
                        if (t.equals(Tables.RUNS)) continue;
                        Path pending = new Path(root, t + "/" + PENDING + name);
                        if (fs.exists(pending)) swap(fs, new Path(root, t), name, pending);
                    }
                    Path runs = new Path(root, Tables.RUNS + "/" + PENDING + name);
                    if (fs.exists(runs)) swap(fs, new Path(root, Tables.RUNS), name, runs);
                    finish(fs, root, name, tables);
                }
            }
            if (!fs.exists(root)) return;
            for (FileStatus table : fs.listStatus(root)) {
                if (!table.isDirectory()) continue;
                if (table.getPath().getName().equals(Tables.RESULTS_STAGING)) {
                    LOG.info("Removing the staging table a killed run left: {}", table.getPath());
                    fs.delete(table.getPath(), true);
                    continue;
                }
                for (FileStatus p : fs.listStatus(table.getPath())) {
                    String n = p.getPath().getName();
                    if (n.startsWith(PENDING) || n.startsWith(OLD) || n.startsWith(".marker_run_id=")) {
                        LOG.info("Removing what a killed run left: {}", p.getPath());
                        fs.delete(p.getPath(), true);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot recover the tables under " + out, e);
        }
    }

    /** {@code table/run_id=<id>} becomes {@code replacement}'s content; the old partition is set aside first. */
    private static void swap(FileSystem fs, Path table, String runId, Path replacement) {
        Path live = new Path(table, LIVE + runId), old = new Path(table, OLD + runId);
        try {
            if (fs.exists(live)) {
                delete(fs, old);
                if (!fs.rename(live, old)) throw new IOException("cannot rename " + live + " to " + old);
            }
            if (!fs.rename(replacement, live)) throw new IOException("cannot rename " + replacement + " to " + live);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot swap the partition " + live, e);
        }
    }

    private static void finish(FileSystem fs, Path root, String runId, List<String> tables) {
        for (String t : tables) delete(fs, new Path(root, t + "/" + OLD + runId));
        delete(fs, new Path(root, JOURNALS + "/" + runId));
    }

    private void pause(String step) {
        if (!PAUSE_AT.equals(step)) return;
        System.out.println("noiselens-commit-paused: " + step);
        System.out.flush();
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] readAll(FileSystem fs, Path p) throws IOException {
        try (var in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    private static FileSystem fileSystem(SparkSession spark, String out) {
        try {
            return new Path(out).getFileSystem(spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the file system of " + out, e);
        }
    }

    static void delete(FileSystem fs, Path p) {
        try {
            if (fs.exists(p)) fs.delete(p, true);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + p, e);
        }
    }
}
