package io.noiselens.job;

import io.noiselens.config.Errors;
import io.noiselens.config.JobConfig;
import io.noiselens.data.FashionMnist;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.image.ImageDecoder;
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
 * Reads the configured dataset as rows of {@link #SCHEMA}: the built-in synthetic set (generated on the executors
 * from its index), an ImageNet-layout folder {@code root/<class>/<file>} through Spark's {@code binaryFile} source
 * with small open costs (a task packs hundreds of files instead of ~30), or a Parquet table of encoded images
 * written by {@code ingest} ({@link #FILES}). Folder files are joined with their box annotations by file stem:
 * Pascal-VOC XML ({@code annotation}, parsed with the image so a bad file is quarantined with it) or a
 * localisation CSV ({@code boxes}, PredictionString form).
 */
public final class ImageSource {
    /** The encoded images of a folder with their class directory and annotations: what {@code ingest} writes. */
    public static final StructType FILES = new StructType()
            .add("image_id", DataTypes.StringType, false)
            .add("path", DataTypes.StringType, true)
            .add("label_name", DataTypes.StringType, true)
            .add("content", DataTypes.BinaryType, true)
            .add("boxes", DataTypes.StringType, true)
            .add("annotation", DataTypes.BinaryType, true);

    public static final StructType SCHEMA = new StructType()
            .add("image_id", DataTypes.StringType, false)
            .add("path", DataTypes.StringType, true)
            .add("label", DataTypes.IntegerType, true)
            .add("label_name", DataTypes.StringType, true)
            .add("content", DataTypes.BinaryType, true)
            .add("index", DataTypes.LongType, true)
            .add("boxes", DataTypes.StringType, true)
            .add("annotation", DataTypes.BinaryType, true);

    private ImageSource() {}

    public static Dataset<Row> read(SparkSession spark, JobConfig.Dataset cfg, ModelSpec spec, int partitions) {
        Dataset<Row> rows;
        if (cfg.builtin()) {
            rows = builtin(spark, cfg, spec, partitions);
        } else if (cfg.fashionMnist()) {
            rows = fashionMnist(spark, cfg, spec);
        } else if (cfg.parquet()) {
            Dataset<Row> table = ingested(spark, cfg.parquetPath());
            List<String> classes = table.select("label_name").where(col("label_name").isNotNull()).distinct()
                    .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
            rows = labelled(spark, table, new ArrayList<>(new java.util.TreeSet<>(classes)), spec);
        } else {
            List<String> classDirs = classDirectories(spark, cfg.folderPath());
            rows = labelled(spark, files(spark, cfg, classDirs), classDirs, spec);
        }
        return rows.repartition(partitions, col("image_id"));
    }

    /** A short description for the runs table. */
    public static String describe(JobConfig.Dataset cfg) {
        return cfg.builtin() ? "builtin:synthetic_shapes(v" + SyntheticShapes.VERSION + ", images=" + cfg.builtinImages()
                + ", seed=" + cfg.builtinSeed() + ")" : cfg.parquet() ? "parquet:" + cfg.parquetPath()
                : cfg.fashionMnist() ? "fashion_mnist:" + cfg.fashionMnistPath() + "(t10k, images="
                + cfg.fashionMnistImages() + ")" : "folder:" + cfg.folderPath();
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
                    return RowFactory.create("eval-" + i, null, label, classes.get(label), null, i, null, null);
                }, org.apache.spark.sql.Encoders.row(SCHEMA));
    }

    /**
     * Fashion-MNIST's first test images, read from the IDX files on the driver and carried as PNG bytes, so the
     * executors decode them like any image file (7.8 MB of pixels for the whole test set).
     */
    private static Dataset<Row> fashionMnist(SparkSession spark, JobConfig.Dataset cfg, ModelSpec spec) {
        if (!spec.classNames().equals(FashionMnist.CLASSES) || spec.channels() != 1
                || spec.height() != FashionMnist.SIZE || spec.width() != FashionMnist.SIZE) {
            throw Errors.invalidValue("dataset.kind", "fashion_mnist", "Fashion-MNIST has classes " + FashionMnist.CLASSES
                    + " in 1x28x28 images, but the model expects " + spec.classNames() + " at " + spec.channels() + "x"
                    + spec.height() + "x" + spec.width() + ". Use model.path = builtin:fashion_mnist.");
        }
        List<LabeledImage> test = FashionMnist.load(java.nio.file.Path.of(cfg.fashionMnistPath()), "t10k");
        List<Row> rows = new ArrayList<>();
        for (LabeledImage img : test.subList(0, Math.min(cfg.fashionMnistImages(), test.size()))) {
            byte[] png;
            try {
                png = ImageDecoder.encode(img.pixels(), 1, img.height(), img.width(), "png");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            rows.add(RowFactory.create(img.id(), null, img.label(), FashionMnist.CLASSES.get(img.label()), png, null,
                    null, null));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    /**
     * Labels follow the model's class names where they include every class directory (ImageNet synsets), else the
     * sorted directory order, which is how torchvision's ImageFolder assigns them.
     */
    private static Dataset<Row> labelled(SparkSession spark, Dataset<Row> files, List<String> classDirs, ModelSpec spec) {
        boolean byName = spec.classNames().containsAll(classDirs);
        List<Row> mapping = new ArrayList<>();
        for (int i = 0; i < classDirs.size(); i++) {
            String c = classDirs.get(i);
            mapping.add(RowFactory.create(c, byName ? spec.classNames().indexOf(c) : i));
        }
        Dataset<Row> labels = spark.createDataFrame(mapping, new StructType()
                .add("label_name", DataTypes.StringType).add("label", DataTypes.IntegerType));
        // A left join keeps files outside root/<class>/ (label null); the explainer quarantines them with a reason.
        return files.join(broadcast(labels), files.col("label_name").equalTo(labels.col("label_name")), "left")
                .select(col("image_id"), col("path"), labels.col("label"), files.col("label_name"), col("content"),
                        lit(null).cast(DataTypes.LongType).as("index"), col("boxes"), col("annotation"));
    }

    /** The folder's image files (empty ones included) with their class directory and annotations, as {@link #FILES}. */
    public static Dataset<Row> files(SparkSession spark, JobConfig.Dataset cfg) {
        return files(spark, cfg, classDirectories(spark, cfg.folderPath()));
    }

    private static Dataset<Row> files(SparkSession spark, JobConfig.Dataset cfg, List<String> classDirs) {
        spark.conf().set("spark.sql.files.openCostInBytes", cfg.openCostBytes());
        spark.conf().set("spark.sql.files.maxPartitionBytes", cfg.maxPartitionBytes());
        String glob = "*.{" + String.join(",", cfg.extensions()) + "}";
        Dataset<Row> files = spark.read().format("binaryFile").option("pathGlobFilter", glob)
                .option("recursiveFileLookup", "true").load(cfg.folderPath()).select("path", "content")
                .union(emptyFiles(spark, cfg, classDirs));
        // Files outside root/<class>/ keep their parent in the id but get no class (the job quarantines them).
        Dataset<Row> named = files
                .withColumn("parts", split(col("path"), "/"))
                .withColumn("image_id", concat_ws("/", element_at(col("parts"), -2), element_at(col("parts"), -1)))
                .withColumn("label_name", when(element_at(col("parts"), -2).isin(classDirs.toArray()),
                        element_at(col("parts"), -2)))
                .withColumn("stem", regexp_extract(element_at(col("parts"), -1), "^(.+?)(\\.[^.]*)?$", 1));
        Dataset<Row> xml = cfg.boxesXmlDir().isEmpty() ? null : spark.read().format("binaryFile")
                .option("pathGlobFilter", "*.xml").option("recursiveFileLookup", "true").load(cfg.boxesXmlDir())
                .select(regexp_extract(col("path"), "([^/]+)\\.xml$", 1).as("xml_stem"), col("content").as("annotation"));
        Dataset<Row> csv = cfg.boxesCsv().isEmpty() ? null : localisationCsv(spark, cfg.boxesCsv());
        if (xml != null) named = named.join(xml, named.col("stem").equalTo(xml.col("xml_stem")), "left");
        else named = named.withColumn("annotation", lit(null).cast(DataTypes.BinaryType));
        if (csv != null) named = named.join(csv, named.col("stem").equalTo(csv.col("csv_stem")), "left");
        else named = named.withColumn("boxes", lit(null).cast(DataTypes.StringType));
        return named.select(col("image_id"), col("path"), col("label_name"), col("content"), col("boxes"), col("annotation"));
    }

    private static Dataset<Row> localisationCsv(SparkSession spark, String path) {
        Dataset<Row> csv = spark.read().option("header", "true").csv(path);
        List<String> columns = List.of(csv.columns());
        if (!columns.contains("ImageId") || !columns.contains("PredictionString")) {
            throw Errors.badDataset(path, "the localisation CSV has columns " + columns,
                    "Give a CSV with a header ImageId,PredictionString as ImageNet's LOC_val_solution.csv.");
        }
        return csv.select(col("ImageId").as("csv_stem"), col("PredictionString").as("boxes"));
    }

    /** An ingested table, checked to have the columns {@code ingest} writes. */
    private static Dataset<Row> ingested(SparkSession spark, String path) {
        Dataset<Row> t;
        try {
            t = spark.read().parquet(path);
        } catch (RuntimeException e) {
            throw Errors.badDataset(path, "it cannot be read as Parquet (" + e.getMessage() + ")",
                    "Point dataset.parquet.path at a table written by 'noiselens ingest'.");
        }
        List<String> columns = List.of(t.columns());
        for (String f : FILES.fieldNames()) {
            if (!columns.contains(f)) {
                throw Errors.badDataset(path, "the table has no column '" + f + "' (it has " + columns + ")",
                        "Write it with 'noiselens ingest'.");
            }
        }
        return t.select(java.util.Arrays.stream(FILES.fieldNames()).map(org.apache.spark.sql.functions::col)
                .toArray(org.apache.spark.sql.Column[]::new));
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
