package io.noiselens.job;

import io.noiselens.lang.Errors;
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
 * from its index), an ImageNet-layout folder {@code root/<class>/<file>} (every file listed, one class directory
 * per task, and read on the executors: {@link FolderListing}), or a Parquet table of encoded images written by
 * {@code ingest} ({@link #FILES}). Folder files are joined with their box annotations by file stem:
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
            .add("annotation", DataTypes.BinaryType, true)
            .add("problem", DataTypes.StringType, true);

    public static final StructType SCHEMA = new StructType()
            .add("image_id", DataTypes.StringType, false)
            .add("path", DataTypes.StringType, true)
            .add("label", DataTypes.IntegerType, true)
            .add("label_name", DataTypes.StringType, true)
            .add("content", DataTypes.BinaryType, true)
            .add("index", DataTypes.LongType, true)
            .add("boxes", DataTypes.StringType, true)
            .add("annotation", DataTypes.BinaryType, true)
            .add("problem", DataTypes.StringType, true);

    private ImageSource() {}

    /** The dataset's rows and how many there are (counted without reading the images). */
    public record Images(Dataset<Row> rows, long count) {}

    public static Images read(SparkSession spark, JobConfig.Dataset cfg, ModelSpec spec, int partitions) {
        if (cfg.builtin()) {
            // The shuffle also gives the explainer rows with a schema (Spark drops a map's serialise/deserialise pair).
            return new Images(builtin(spark, cfg, spec, partitions).repartition(partitions, col("image_id")),
                    cfg.builtinImages());
        }
        if (cfg.fashionMnist()) {
            Dataset<Row> rows = fashionMnist(spark, cfg, spec);
            return new Images(rows.repartition(partitions, col("image_id")), rows.count());
        }
        if (cfg.parquet()) {
            Dataset<Row> table = ingested(spark, cfg.parquetPath());
            List<String> classes = table.select("label_name").where(col("label_name").isNotNull()).distinct()
                    .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
            // Counting a Parquet table reads its footers, not the images.
            return new Images(labelled(spark, table, new ArrayList<>(new java.util.TreeSet<>(classes)), spec,
                    "dataset.parquet.path = " + cfg.parquetPath()).repartition(partitions, col("image_id")), table.count());
        }
        Listing listing = listing(spark, cfg);
        Dataset<Row> files = withContent(spark, listing.files().repartition(partitions, col("image_id")));
        return new Images(labelled(spark, files, listing.classDirs(), spec, "dataset.folder.path = " + cfg.folderPath()),
                listing.count());
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
                    return RowFactory.create("eval-" + i, null, label, classes.get(label), null, i, null, null, null);
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
                    null, null, null));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    /**
     * Labels by the model's class names when every class directory is one of them (ImageNet synsets with
     * {@code model.classes}). A model without class names ({@code class_0}, … — an ONNX model without
     * {@code model.classes}) is labelled by sorted directory order, as torchvision's ImageFolder does, and the log
     * says so. Directories that are not among a named model's classes are refused, listed with the fix: relabelling
     * every directory by its sorted position would explain the wrong class without a word.
     */
    private static Dataset<Row> labelled(SparkSession spark, Dataset<Row> files, List<String> classDirs, ModelSpec spec,
                                         String source) {
        List<Integer> labels = labels(classDirs, spec.classNames(), source);
        List<Row> mapping = new ArrayList<>();
        for (int i = 0; i < classDirs.size(); i++) mapping.add(RowFactory.create(classDirs.get(i), labels.get(i)));
        Dataset<Row> table = spark.createDataFrame(mapping, new StructType()
                .add("label_name", DataTypes.StringType).add("label", DataTypes.IntegerType));
        // A left join keeps files outside root/<class>/ (label null); the explainer quarantines them with a reason.
        return files.join(broadcast(table), files.col("label_name").equalTo(table.col("label_name")), "left")
                .select(col("image_id"), col("path"), table.col("label"), files.col("label_name"), col("content"),
                        lit(null).cast(DataTypes.LongType).as("index"), col("boxes"), col("annotation"), col("problem"));
    }

    /** The label of each class directory (see {@link #labelled}). */
    static List<Integer> labels(List<String> classDirs, List<String> classNames, String source) {
        if (classNames.containsAll(classDirs)) return classDirs.stream().map(classNames::indexOf).toList();
        boolean unnamed = true;
        for (int i = 0; i < classNames.size(); i++) unnamed &= classNames.get(i).equals("class_" + i);
        if (unnamed && classDirs.size() <= classNames.size()) {
            org.slf4j.LoggerFactory.getLogger(ImageSource.class).warn("The model has no class names: the {} class "
                    + "directories of {} are labelled by sorted order (0 = {}), as torchvision's ImageFolder does. "
                    + "Set model.classes to label them by name.", classDirs.size(), source, classDirs.get(0));
            return java.util.stream.IntStream.range(0, classDirs.size()).boxed().toList();
        }
        List<String> unknown = classDirs.stream().filter(c -> !classNames.contains(c)).toList();
        throw Errors.badDataset(source, (unnamed ? "it has " + classDirs.size() + " class directories but the model "
                        + "has " + classNames.size() + " outputs" : unknown.size() + " of its " + classDirs.size()
                        + " class directories are not among the model's classes: " + abbreviate(unknown)
                        + " (the model's classes are " + abbreviate(classNames) + ")"),
                "Name each class directory by one of the model's classes, or set model.classes to the model's class "
                        + "names in output order (a synset mapping, imagenet_class_index.json or one name per line); "
                        + "labels are never assigned by directory order when the model names its classes");
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 10 ? names.toString()
                : names.subList(0, 10) + " and " + (names.size() - 10) + " more";
    }

    /** The folder's files (every one, with a reason where it is not read) and annotations, as {@link #FILES}. */
    public static Images files(SparkSession spark, JobConfig.Dataset cfg) {
        Listing listing = listing(spark, cfg);
        return new Images(withContent(spark, listing.files()), listing.count());
    }

    /** A folder's listing: its class directories, and its files without their content (counted, kept on disk). */
    record Listing(List<String> classDirs, Dataset<Row> files, long count) {}

    private static Listing listing(SparkSession spark, JobConfig.Dataset cfg) {
        String root = cfg.folderPath();
        org.apache.hadoop.conf.Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        List<FolderListing.Task> tasks = new ArrayList<>();
        List<String> classDirs = new ArrayList<>();
        boolean local;
        String rootDir;
        try {
            local = FolderListing.isLocal(root, hadoop);
            rootDir = local ? java.nio.file.Path.of(new Path(root).toUri().getPath()).toString() : root;
            tasks.add(new FolderListing.Task(rootDir, false, "the file is not inside a class directory (expected "
                    + "root/<class>/<file>)"));
            for (String d : subdirectories(rootDir, local, hadoop)) {
                boolean hidden = d.startsWith(".") || d.startsWith("_");
                if (!hidden) classDirs.add(d);
                String dir = local ? java.nio.file.Path.of(rootDir, d).toString() : new Path(new Path(root), new Path(
                        null, null, "./" + d)).toString();
                tasks.add(new FolderListing.Task(dir, true, hidden ? "the file is in directory '" + d + "', which is not"
                        + " a class directory (names starting with '.' or '_' are not classes)" : null));
            }
        } catch (IOException e) {
            throw Errors.badDataset(root, "it cannot be listed (" + e.getMessage() + ")", "Check the path and permissions.");
        }
        if (classDirs.isEmpty()) {
            throw Errors.badDataset(root, "there are no class directories", "Put the images in one "
                    + "sub-directory per class: root/<class>/<file>.");
        }
        classDirs.sort(null);
        java.util.Set<String> extensions = FolderListing.normalise(cfg.extensions());
        SerializableConfiguration conf = new SerializableConfiguration(hadoop);
        boolean isLocal = local;
        String rootOfWalk = rootDir;
        JavaRDD<Row> listed = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(tasks, Math.max(1, Math.min(tasks.size(), 4 * spark.sparkContext().defaultParallelism())))
                .flatMap(t -> FolderListing.list(t.directory(), t.recursive(), rootOfWalk, extensions, isLocal,
                        t.notClass(), conf.value()).iterator());
        Dataset<Row> named = spark.createDataFrame(listed, FolderListing.SCHEMA)
                .withColumn("label_name", when(col("dir").isin(classDirs.toArray()), col("dir")))
                .withColumn("stem", regexp_extract(regexp_extract(col("image_id"), "([^/]*)$", 1), "^(.+?)(\\.[^.]*)?$", 1));
        // Box annotations are many small files (50 000 XML files for ImageNet val): a scan packs hundreds per task.
        spark.conf().set("spark.sql.files.openCostInBytes", cfg.openCostBytes());
        spark.conf().set("spark.sql.files.maxPartitionBytes", cfg.maxPartitionBytes());
        Dataset<Row> xml = cfg.boxesXmlDir().isEmpty() ? null : spark.read().format("binaryFile")
                .option("pathGlobFilter", "*.xml").option("recursiveFileLookup", "true").load(cfg.boxesXmlDir())
                .select(regexp_extract(col("path"), "([^/]+)\\.xml$", 1).as("xml_stem"), col("content").as("annotation"));
        Dataset<Row> csv = cfg.boxesCsv().isEmpty() ? null : localisationCsv(spark, cfg.boxesCsv());
        if (xml != null) named = named.join(xml, named.col("stem").equalTo(xml.col("xml_stem")), "left");
        else named = named.withColumn("annotation", lit(null).cast(DataTypes.BinaryType));
        if (csv != null) named = named.join(csv, named.col("stem").equalTo(csv.col("csv_stem")), "left");
        else named = named.withColumn("boxes", lit(null).cast(DataTypes.StringType));
        Dataset<Row> files = named.select(col("image_id"), col("path"), col("label_name"), col("source"), col("local"),
                col("boxes"), col("annotation"), col("problem"))
                .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        return new Listing(classDirs, files, files.count());
    }

    /**
     * The directory names directly under the root (following links), listed on the driver; that the root is a
     * directory was checked before Spark started ({@link Preflight}).
     */
    private static List<String> subdirectories(String rootDir, boolean local,
                                               org.apache.hadoop.conf.Configuration hadoop) throws IOException {
        if (local) {
            try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(java.nio.file.Path.of(rootDir))) {
                return s.filter(java.nio.file.Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
            }
        }
        Path p = new Path(rootDir);
        return Arrays.stream(p.getFileSystem(hadoop).listStatus(p)).filter(FileStatus::isDirectory)
                .map(s -> s.getPath().getName()).sorted().toList();
    }

    /** Listed files with their bytes read on the executors (a file with a problem is not read). */
    private static Dataset<Row> withContent(SparkSession spark, Dataset<Row> listed) {
        SerializableConfiguration conf = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        return listed.mapPartitions((org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>) it ->
                new java.util.Iterator<Row>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Row next() {
                        Row r = it.next();
                        String problem = r.getAs("problem");
                        byte[] content = null;
                        if (problem == null) {
                            try {
                                content = FolderListing.read(r.getAs("source"), r.<Boolean>getAs("local"), conf.value());
                            } catch (IOException | RuntimeException e) {
                                problem = "it cannot be read (" + e + ")";
                            }
                        }
                        return RowFactory.create(r.getAs("image_id"), r.getAs("path"), r.getAs("label_name"), content,
                                r.getAs("boxes"), r.getAs("annotation"), problem);
                    }
                }, org.apache.spark.sql.Encoders.row(FILES));
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
        // Tables ingested before files were listed with their problems have no 'problem' column.
        if (!columns.contains("problem")) t = t.withColumn("problem", lit(null).cast(DataTypes.StringType));
        columns = List.of(t.columns());
        for (String f : FILES.fieldNames()) {
            if (!columns.contains(f)) {
                throw Errors.badDataset(path, "the table has no column '" + f + "' (it has " + columns + ")",
                        "Write it with 'noiselens ingest'.");
            }
        }
        return t.select(java.util.Arrays.stream(FILES.fieldNames()).map(org.apache.spark.sql.functions::col)
                .toArray(org.apache.spark.sql.Column[]::new));
    }
}
