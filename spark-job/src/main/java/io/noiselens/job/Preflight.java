package io.noiselens.job;

import io.noiselens.lang.Errors;
import io.noiselens.config.JobConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;

/**
 * What can be checked of a run before a Spark session exists (5–10 s of start-up saved per mistake, and no stack
 * trace): the master URL's syntax, that {@code run.output} is not a file and can be written, and that the dataset's
 * paths exist and are what their kind says (a Parquet dataset has Parquet files). Models are read and parsed by
 * {@link ExplainJob#prepare} right after, also before Spark.
 */
final class Preflight {
    /** Masters Spark accepts: local modes, local-cluster, standalone, YARN, Kubernetes, Mesos. */
    static final Pattern MASTER = Pattern.compile("local|local\\[(\\*|[1-9]\\d*)(,\\s*[1-9]\\d*)?]"
            + "|local-cluster\\[\\s*[1-9]\\d*\\s*,\\s*[1-9]\\d*\\s*,\\s*[1-9]\\d*\\s*]"
            + "|spark://[^\\s/]+(,[^\\s/]+)*|yarn|k8s://\\S+|mesos://\\S+");

    private Preflight() {}

    static void check(JobConfig cfg) {
        master(cfg.spark().master());
        output(cfg.run().output());
        dataset(cfg.dataset());
    }

    static void master(String master) {
        if (!master.isEmpty() && !MASTER.matcher(master).matches()) {
            throw Errors.invalidValue("spark.master", master, "Use local[*], local[N], local-cluster[N,cores,MB], "
                    + "spark://host:port, yarn or k8s://https://host:port (or leave it empty under spark-submit).");
        }
        if (master.startsWith("local-cluster")) {
            String home = System.getenv().getOrDefault("SPARK_HOME", ".");
            if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of(home, "jars"))) {
                throw Errors.invalidValue("spark.master", master, "local-cluster starts its executors as separate JVMs "
                        + "through a Spark installation's launcher, which needs $SPARK_HOME/jars (SPARK_HOME is "
                        + (System.getenv("SPARK_HOME") == null ? "not set" : "'" + home + "'") + "). Set SPARK_HOME to "
                        + "a Spark 3.5 installation, or to any directory with an empty jars/ sub-directory (the executors "
                        + "get NoiseLens's own classpath), or use local[N].");
            }
        }
    }

    static void output(String output) {
        try {
            Path p = new Path(output);
            FileSystem fs = p.getFileSystem(new Configuration());
            if (fs.exists(p) && !fs.getFileStatus(p).isDirectory()) {
                throw Errors.invalidValue("run.output", output, "It is an existing file; the tables need a directory. "
                        + "Choose another path.");
            }
            if (fs.getUri().getScheme().equals("file")) {
                java.nio.file.Path local = java.nio.file.Path.of(p.toUri().getPath()).toAbsolutePath();
                java.nio.file.Path existing = local;
                while (existing != null && !java.nio.file.Files.exists(existing)) existing = existing.getParent();
                if (existing == null || !java.nio.file.Files.isDirectory(existing)
                        || !java.nio.file.Files.isWritable(existing)) {
                    throw Errors.invalidValue("run.output", output, (existing == null ? "No part of the path exists"
                            : existing + " is " + (java.nio.file.Files.isDirectory(existing) ? "not writable"
                            : "a file")) + ". Choose a directory you can write to.");
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw Errors.invalidValue("run.output", output, "It cannot be checked (" + e.getMessage()
                    + "); give a local path or a Hadoop URI such as hdfs:///noiselens.");
        }
    }

    static void dataset(JobConfig.Dataset d) {
        if (d.folder()) directory("dataset.folder.path", d.folderPath());
        if (d.parquet()) parquet(d.parquetPath());
        if (!d.boxesXmlDir().isEmpty()) directory("dataset.boxes.xml_dir", d.boxesXmlDir());
        if (!d.boxesCsv().isEmpty()) file("dataset.boxes.csv", d.boxesCsv());
        if (d.fashionMnist()) directory("dataset.fashion_mnist.path", d.fashionMnistPath());
    }

    private static FileStatus status(String key, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(new Configuration());
            if (!fs.exists(p)) throw Errors.invalidValue(key, path, "No such file or directory.");
            return fs.getFileStatus(p);
        } catch (IOException | IllegalArgumentException e) {
            throw Errors.invalidValue(key, path, "It cannot be read (" + e.getMessage() + "); check the path.");
        }
    }

    private static void directory(String key, String path) {
        if (!status(key, path).isDirectory()) throw Errors.invalidValue(key, path, "It is a file; give a directory.");
    }

    private static void file(String key, String path) {
        if (status(key, path).isDirectory()) throw Errors.invalidValue(key, path, "It is a directory; give a file.");
    }

    /** A Parquet file, or a directory with at least one Parquet file (checked by its "PAR1" magic). */
    static void parquet(String path) {
        FileStatus s = status("dataset.parquet.path", path);
        try {
            FileSystem fs = s.getPath().getFileSystem(new Configuration());
            Path first = s.isDirectory() ? firstDataFile(fs, s.getPath()) : s.getPath();
            if (first == null) {
                throw Errors.invalidValue("dataset.parquet.path", path, "The directory holds no Parquet files. Point it "
                        + "at a table written by 'noiselens ingest'.");
            }
            byte[] magic = new byte[4];
            try (InputStream in = fs.open(first)) {
                if (in.readNBytes(magic, 0, 4) < 4 || !new String(magic, java.nio.charset.StandardCharsets.US_ASCII).equals("PAR1")) {
                    throw Errors.invalidValue("dataset.parquet.path", path, first.getName() + " is not a Parquet file. "
                            + "Point it at a table written by 'noiselens ingest'.");
                }
            }
        } catch (IOException e) {
            throw Errors.invalidValue("dataset.parquet.path", path, "It cannot be read (" + e.getMessage() + ").");
        }
    }

    private static Path firstDataFile(FileSystem fs, Path dir) throws IOException {
        var it = fs.listFiles(dir, true);
        while (it.hasNext()) {
            Path f = it.next().getPath();
            String n = f.getName();
            if (!n.startsWith("_") && !n.startsWith(".")) return f;
        }
        return null;
    }
}
