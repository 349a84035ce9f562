package io.noiselens.job;

import io.noiselens.config.JobConfig;
import io.noiselens.data.FashionMnist;
import io.noiselens.data.LabeledImage;
import io.noiselens.image.ImageDecoder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * The input images of the report's gallery, read again from the run's dataset as the run read them (the recorded
 * configuration's dataset keys: the built-in set regenerated from its seed, the Fashion-MNIST files, a folder's files
 * and box annotations, an ingested table) and brought to the model's input size by the same {@link ImageLoader}, but
 * not normalised: pixels in [0, 1] for display, with the object mask where the dataset has one. A few images, read
 * on the driver; no model is loaded or run. An image that cannot be read again (moved, deleted) keeps its reason,
 * and the report shows its maps without it.
 */
public final class GalleryInputs {
    /** One image's display pixels (C×H×W in [0, 1]) and mask (null without one), or why it could not be read. */
    public record Input(float[] pixels, boolean[] mask, String problem) {}

    private GalleryInputs() {}

    /**
     * The inputs of {@code images} (rows with {@code image_id}, {@code path} and {@code label_name} from the run's
     * attributions), keyed by image id, at the run's input size C×H×W.
     */
    public static Map<String, Input> load(SparkSession spark, JobConfig cfg, int channels, int height, int width,
                                          List<Row> images) {
        ImageLoader loader = new ImageLoader(cfg, channels, height, width, null);
        JobConfig.Dataset d = cfg.dataset();
        Map<String, Row> sources = new HashMap<>();
        try {
            if (d.fashionMnist()) sources = fashionMnist(d, images);
            else if (d.parquet()) sources = ingested(spark, d, images);
            else if (d.folder()) sources = folder(spark, d, images);
        } catch (RuntimeException e) {
            String why = "the dataset cannot be read again: " + e.getMessage();
            Map<String, Input> out = new LinkedHashMap<>();
            for (Row r : images) out.put(r.getAs("image_id"), new Input(null, null, why));
            return out;
        }
        Map<String, Input> out = new LinkedHashMap<>();
        for (Row r : images) {
            String id = r.getAs("image_id");
            Row source = d.builtin() ? builtin(id) : sources.get(id);
            if (source == null) {
                out.put(id, new Input(null, null, "the image is no longer in the dataset"));
                continue;
            }
            try {
                ImageLoader.Loaded l = loader.pixels(source);
                out.put(id, new Input(l.input(), l.mask(), null));
            } catch (ImageLoader.Failure | RuntimeException e) {
                out.put(id, new Input(null, null, "the image cannot be read again: " + e.getMessage()));
            }
        }
        return out;
    }

    private static Row builtin(String id) {
        return row(id, null, null, null, Long.parseLong(id.substring(id.lastIndexOf('-') + 1)), null, null, null);
    }

    private static Map<String, Row> fashionMnist(JobConfig.Dataset d, List<Row> images) {
        Map<String, Row> out = new HashMap<>();
        java.util.Set<String> ids = ids(images);
        for (LabeledImage img : FashionMnist.load(java.nio.file.Path.of(d.fashionMnistPath()), "t10k")) {
            if (!ids.contains(img.id())) continue;
            try {
                out.put(img.id(), row(img.id(), null, null, ImageDecoder.encode(img.pixels(), 1, img.height(), img.width(), "png"),
                        null, null, null, null));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return out;
    }

    private static Map<String, Row> ingested(SparkSession spark, JobConfig.Dataset d, List<Row> images) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : spark.read().parquet(d.parquetPath()).where(col("image_id").isin(ids(images).toArray()))
                .select("image_id", "path", "content", "boxes", "annotation", "label_name").collectAsList()) {
            out.put(r.getString(0), row(r.getString(0), r.getString(1), r.getString(5), (byte[]) r.get(2), null,
                    r.getString(3), (byte[]) r.get(4), null));
        }
        return out;
    }

    /** A folder's files read from their recorded paths, with their XML or CSV boxes found by file stem. */
    private static Map<String, Row> folder(SparkSession spark, JobConfig.Dataset d, List<Row> images) {
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        Map<String, String> stems = new HashMap<>();
        for (Row r : images) {
            String id = r.getAs("image_id"), name = id.substring(id.lastIndexOf('/') + 1);
            int dot = name.lastIndexOf('.');
            stems.put(id, dot > 0 ? name.substring(0, dot) : name);
        }
        Map<String, byte[]> xml = new HashMap<>();
        if (!d.boxesXmlDir().isEmpty()) {
            String glob = "{" + String.join(",", stems.values().stream().map(s -> escapeGlob(s) + ".xml").toList()) + "}";
            Dataset<Row> found = spark.read().format("binaryFile").option("pathGlobFilter", glob)
                    .option("recursiveFileLookup", "true").load(d.boxesXmlDir());
            for (Row r : found.select("path", "content").collectAsList()) {
                String path = r.getString(0);
                xml.put(path.substring(path.lastIndexOf('/') + 1, path.length() - 4), (byte[]) r.get(1));
            }
        }
        Map<String, String> csv = new HashMap<>();
        if (!d.boxesCsv().isEmpty()) {
            for (Row r : spark.read().option("header", "true").csv(d.boxesCsv())
                    .where(col("ImageId").isin(stems.values().toArray())).select("ImageId", "PredictionString")
                    .collectAsList()) {
                csv.put(r.getString(0), r.getString(1));
            }
        }
        Map<String, Row> out = new HashMap<>();
        for (Row r : images) {
            String id = r.getAs("image_id"), path = r.getAs("path");
            if (path == null) continue;
            byte[] content;
            String problem = null;
            try {
                content = read(path, conf);
            } catch (IOException | RuntimeException e) {
                content = null;
                problem = "it cannot be read (" + e.getMessage() + ")";
            }
            String stem = stems.get(id);
            out.put(id, row(id, path, r.getAs("label_name"), content, null, csv.get(stem), xml.get(stem), problem));
        }
        return out;
    }

    /**
     * A folder file's bytes from the path the listing recorded: {@code file:} and the literal local path, or a Hadoop
     * path as {@code Path.toString()} writes it (unescaped).
     */
    private static byte[] read(String path, org.apache.hadoop.conf.Configuration conf) throws IOException {
        if (path.startsWith("file:")) return java.nio.file.Files.readAllBytes(java.nio.file.Path.of(path.substring("file:".length())));
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        try (var in = p.getFileSystem(conf).open(p)) {
            return in.readAllBytes();
        }
    }

    /**
     * A row of {@link ImageSource#SCHEMA} as the loader reads it: the image was labelled when the run read it, and its
     * class name picks its own boxes among the annotation's.
     */
    private static Row row(String id, String path, String labelName, byte[] content, Long index, String boxes,
                           byte[] annotation, String problem) {
        return new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(new Object[]{id, path, 0, labelName,
                content, index, boxes, annotation, problem}, ImageSource.SCHEMA);
    }

    private static java.util.Set<String> ids(List<Row> images) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Row r : images) ids.add(r.getAs("image_id"));
        return ids;
    }

    /** A file stem as a literal in a Hadoop glob. */
    private static String escapeGlob(String s) {
        return s.replaceAll("([\\\\{}\\[\\]*?,^!])", "\\\\$1");
    }
}
