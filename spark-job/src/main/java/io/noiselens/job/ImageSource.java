package io.noiselens.job;

import io.noiselens.config.Errors;
import io.noiselens.config.JobConfig;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.ModelSpec;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.*;

/**
 * Reads the configured dataset as rows of (image_id, path, label, label_name, content, index): the built-in
 * synthetic set (generated on the executors from its index), or an ImageNet-layout folder
 * {@code root/<class>/<file>} through Spark's {@code binaryFile} source with small open costs, so that a task
 * packs hundreds of files instead of ~30.
 */
public final class ImageSource {
    public static final StructType SCHEMA = new StructType()
            .add("image_id", DataTypes.StringType, false)
            .add("path", DataTypes.StringType, true)
            .add("label", DataTypes.IntegerType, true)
            .add("label_name", DataTypes.StringType, true)
            .add("content", DataTypes.BinaryType, true)
            .add("index", DataTypes.LongType, true);

    private ImageSource() {}

    public static Dataset<Row> read(SparkSession spark, JobConfig.Dataset cfg, ModelSpec spec, int partitions) {
        return (cfg.builtin() ? builtin(spark, cfg, spec, partitions) : folder(spark, cfg, spec))
                .repartition(partitions, col("image_id"));
    }

    /** A short description for the runs table. */
    public static String describe(JobConfig.Dataset cfg) {
        return cfg.builtin() ? "builtin:synthetic_shapes(v" + SyntheticShapes.VERSION + ", images=" + cfg.builtinImages()
                + ", seed=" + cfg.builtinSeed() + ")" : "folder:" + cfg.folderPath();
    }

    private static Dataset<Row> builtin(SparkSession spark, JobConfig.Dataset cfg, ModelSpec spec, int partitions) {
        if (!spec.classNames().equals(SyntheticShapes.CLASSES) || spec.channels() != 3 || spec.height() != spec.width()) {
            throw Errors.invalidValue("dataset.kind", "builtin", "The built-in dataset has classes "
                    + SyntheticShapes.CLASSES + " in square RGB images, but the model expects " + spec.classNames()
                    + " at " + spec.channels() + "x" + spec.height() + "x" + spec.width()
                    + ". Use model.path = builtin:demo, or dataset.kind = folder.");
        }
        List<String> classes = SyntheticShapes.CLASSES;
        return spark.range(0, cfg.builtinImages(), 1, partitions).map(
                (org.apache.spark.api.java.function.MapFunction<Long, Row>) i -> {
                    int label = (int) (i % classes.size());
                    return RowFactory.create("eval-" + i, null, label, classes.get(label), null, i);
                }, org.apache.spark.sql.Encoders.row(SCHEMA));
    }

    private static Dataset<Row> folder(SparkSession spark, JobConfig.Dataset cfg, ModelSpec spec) {
        List<String> classDirs = classDirectories(spark, cfg.folderPath());
        // Labels follow the model's class names where they match the folder names (ImageNet synsets), else the
        // sorted folder order, which is how torchvision's ImageFolder assigns them.
        boolean byName = spec.classNames().containsAll(classDirs);
        List<Row> mapping = new ArrayList<>();
        for (int i = 0; i < classDirs.size(); i++) {
            String c = classDirs.get(i);
            mapping.add(RowFactory.create(c, byName ? spec.classNames().indexOf(c) : i));
        }
        Dataset<Row> labels = spark.createDataFrame(mapping, new StructType()
                .add("label_name", DataTypes.StringType).add("label", DataTypes.IntegerType));
        spark.conf().set("spark.sql.files.openCostInBytes", cfg.openCostBytes());
        spark.conf().set("spark.sql.files.maxPartitionBytes", cfg.maxPartitionBytes());
        String glob = "*.{" + String.join(",", cfg.extensions()) + "}";
        Dataset<Row> files = spark.read().format("binaryFile").option("pathGlobFilter", glob)
                .option("recursiveFileLookup", "true").load(cfg.folderPath()).select("path", "content")
                .union(emptyFiles(spark, cfg, classDirs));
        Dataset<Row> named = files
                .withColumn("parts", split(col("path"), "/"))
                .withColumn("label_name", element_at(col("parts"), -2))
                .withColumn("image_id", concat_ws("/", col("label_name"), element_at(col("parts"), -1)));
        // A left join keeps files outside root/<class>/ (label null); the explainer quarantines them with a reason.
        return named.join(broadcast(labels), named.col("label_name").equalTo(labels.col("label_name")), "left")
                .select(col("image_id"), col("path"), labels.col("label"), named.col("label_name"), col("content"),
                        lit(null).cast(DataTypes.LongType).as("index"));
    }

    /**
     * Zero-byte files, which Spark's file scan skips without a word: listed per class directory on the executors,
     * so that they reach the errors table instead of vanishing.
     */
    private static Dataset<Row> emptyFiles(SparkSession spark, JobConfig.Dataset cfg, List<String> classDirs) {
        List<String> dirs = new ArrayList<>();
        dirs.add(cfg.folderPath() + "#flat");
        for (String c : classDirs) dirs.add(new Path(cfg.folderPath(), c) + "#recursive");
        SerializableConfiguration conf = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        List<String> extensions = cfg.extensions();
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(dirs, Math.max(1, Math.min(dirs.size(), spark.sparkContext().defaultParallelism())))
                .flatMap(spec -> {
                    int hash = spec.lastIndexOf('#');
                    Path dir = new Path(spec.substring(0, hash));
                    boolean recursive = spec.endsWith("#recursive");
                    FileSystem fs = dir.getFileSystem(conf.value());
                    List<Row> out = new ArrayList<>();
                    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, recursive);
                    while (it.hasNext()) {
                        LocatedFileStatus f = it.next();
                        String name = f.getPath().getName();
                        int dot = name.lastIndexOf('.');
                        if (f.getLen() == 0 && dot >= 0 && extensions.contains(name.substring(dot + 1))) {
                            out.add(RowFactory.create(f.getPath().toString(), new byte[0]));
                        }
                    }
                    return out.iterator();
                });
        return spark.createDataFrame(rows, new StructType().add("path", DataTypes.StringType)
                .add("content", DataTypes.BinaryType));
    }

    private static List<String> classDirectories(SparkSession spark, String root) {
        try {
            Path p = new Path(root);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(p) || !fs.getFileStatus(p).isDirectory()) {
                throw Errors.badDataset(root, "no such directory", "Set dataset.folder.path to the root of an "
                        + "ImageNet-layout folder (root/<class>/<image files>).");
            }
            List<String> dirs = new ArrayList<>(Arrays.stream(fs.listStatus(p)).filter(FileStatus::isDirectory)
                    .map(s -> s.getPath().getName()).filter(n -> !n.startsWith(".") && !n.startsWith("_")).toList());
            if (dirs.isEmpty()) {
                throw Errors.badDataset(root, "there are no class directories", "Put the images in one "
                        + "sub-directory per class: root/<class>/<file>.");
            }
            dirs.sort(null);
            return dirs;
        } catch (IOException e) {
            throw Errors.badDataset(root, "it cannot be listed (" + e.getMessage() + ")", "Check the path and permissions.");
        }
    }
}
