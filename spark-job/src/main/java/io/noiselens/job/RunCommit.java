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
 *   <li>every table's new partition is written beside the tables, as {@code _staging/<table>/run_id=<id>}: a kill
 *       here leaves the previous state untouched, and the run's next start deletes its staging;</li>
 *   <li>a journal {@code _commits/<id>} (written to a temporary name and renamed: it exists whole or not at all)
 *       lists the tables — the commit point;</li>
 *   <li>the run's {@code runs} row becomes {@code committing} (swapped like a table), so that readers who take
 *       only committed runs ({@link #COMMITTED}) skip the run while its tables are swapped;</li>
 *   <li>each table's old partition is renamed aside ({@code _staging/_old/<table>/run_id=<id>}) and the staged one
 *       into place, the {@code runs} table last; then the set-aside partitions and the journal are deleted.</li>
 * </ol>
 * A kill during 3–4 leaves the journal: the next start of the same run id ({@link #recover}) finishes the swaps
 * (roll forward), so the run ends in its new state. Only a run's own leftovers are touched, so runs with other ids
 * may write to the same output at the same time. Renames are atomic on local file systems and HDFS; on object
 * stores (S3A) a directory rename is a copy, and a kill mid-rename is repaired only by {@link #recover}.
 */
final class RunCommit {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommit.class);
    static final String JOURNALS = "_commits", STAGING = "_staging";
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

    /** Writes {@code rows} as the staged partition of {@code table}; returns its row count. */
    long stage(Dataset<Row> rows, String table) {
        Path staged = staged(new Path(out), table, runId);
        delete(fs, staged);
        rows.drop("run_id").write().mode(SaveMode.Overwrite).parquet(staged.toString());
        tables.add(table);
        pause("staged " + table);
        return spark.read().parquet(staged.toString()).count();
    }

    /** The staged partition of {@code table}, for what is derived from it before the commit (summaries). */
    Dataset<Row> staged(String table) {
        return spark.read().parquet(staged(new Path(out), table, runId).toString())
                .withColumn("run_id", org.apache.spark.sql.functions.lit(runId));
    }

    /**
     * Swaps every staged table in, {@code runs} last ({@code committing} is the runs row written while the others
     * are swapped).
     */
    void commit(Dataset<Row> committing) {
        if (!tables.contains(Tables.RUNS)) throw new IllegalStateException("the runs row must be staged before the commit");
        Path root = new Path(out);
        Path journal = new Path(root, JOURNALS + "/" + runId);
        Path tmp = new Path(root, JOURNALS + "/_" + runId + ".tmp");
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
        Path marker = staged(root, "_marker", runId);
        committing.drop("run_id").write().mode(SaveMode.Overwrite).parquet(marker.toString());
        swap(fs, root, Tables.RUNS, runId, marker);
        pause("runs marked committing");
        for (String t : tables) {
            if (t.equals(Tables.RUNS)) continue;
            swap(fs, root, t, runId, staged(root, t, runId));
            pause("swapped " + t);
        }
        swap(fs, root, Tables.RUNS, runId, staged(root, Tables.RUNS, runId));
        pause("swapped runs");
        finish(fs, root, runId, tables);
    }

    private static Path staged(Path root, String table, String runId) {
        return new Path(root, STAGING + "/" + table + "/run_id=" + runId);
    }

    /**
     * Finishes what a killed run with this id left on {@code out}: a journalled commit is rolled forward; staged and
     * set-aside partitions and the explain stage's staging table are removed. Called when a run starts.
     */
    static void recover(SparkSession spark, String out, String runId) {
        FileSystem fs = fileSystem(spark, out);
        Path root = new Path(out);
        try {
            Path journal = new Path(root, JOURNALS + "/" + runId);
            delete(fs, new Path(root, JOURNALS + "/_" + runId + ".tmp"));
            if (fs.exists(journal)) {
                List<String> tables = List.of(new String(readAll(fs, journal), StandardCharsets.UTF_8).split("\n"));
                LOG.warn("Run {} was killed while its tables were being replaced: completing its commit", runId);
                for (String t : tables) {
                    if (t.equals(Tables.RUNS)) continue;
                    Path staged = staged(root, t, runId);
                    if (fs.exists(staged)) swap(fs, root, t, runId, staged);
                }
                Path runs = staged(root, Tables.RUNS, runId);
                if (fs.exists(runs)) swap(fs, root, Tables.RUNS, runId, runs);
                finish(fs, root, runId, tables);
            }
            Path staging = new Path(root, STAGING);
            if (fs.exists(staging)) {
                for (FileStatus table : fs.listStatus(staging)) {
                    if (!table.isDirectory()) continue;
                    Path leftover = new Path(table.getPath(), "run_id=" + runId);
                    if (fs.exists(leftover)) {
                        LOG.info("Removing what a killed run left: {}", leftover);
                        delete(fs, leftover);
                    }
                    if (table.getPath().getName().equals("_old")) {
                        for (FileStatus t : fs.listStatus(table.getPath())) delete(fs, new Path(t.getPath(), "run_id=" + runId));
                    }
                }
            }
            delete(fs, new Path(root, Tables.RESULTS_STAGING + "/run_id=" + runId));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot recover the tables under " + out, e);
        }
    }

    /** {@code <table>/run_id=<id>} becomes {@code replacement}'s content; the old partition is set aside first. */
    private static void swap(FileSystem fs, Path root, String table, String runId, Path replacement) {
        Path live = new Path(root, table + "/run_id=" + runId), old = old(root, table, runId);
        try {
            if (fs.exists(live)) {
                delete(fs, old);
                fs.mkdirs(old.getParent());
                if (!fs.rename(live, old)) throw new IOException("cannot rename " + live + " to " + old);
            }
            fs.mkdirs(live.getParent());
            if (!fs.rename(replacement, live)) throw new IOException("cannot rename " + replacement + " to " + live);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot swap the partition " + live, e);
        }
    }

    private static Path old(Path root, String table, String runId) {
        return new Path(root, STAGING + "/_old/" + table + "/run_id=" + runId);
    }

    private static void finish(FileSystem fs, Path root, String runId, List<String> tables) {
        for (String t : tables) delete(fs, old(root, t, runId));
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
