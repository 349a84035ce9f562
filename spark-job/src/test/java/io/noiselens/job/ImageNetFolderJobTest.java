package io.noiselens.job;

import io.noiselens.PythonFixtures;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.image.ImageDecoder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a user with a PyTorch model and an ImageNet-style dataset does, end to end: an ONNX export (PyTorch's,
 * made by {@code export_onnx_fixtures.py}), a class-index file in output order, a folder of JPEGs in synset
 * directories with Pascal-VOC XML boxes and planted bad files, resize + centre crop; then {@code ingest} of the same
 * folder to Parquet and the job again on that table. The localisation metric is checked against the box worked
 * out by hand; the errors table must hold every bad file with its stage.
 */
class ImageNetFolderJobTest {
    static final List<String> SYNSETS = List.of("n00000003", "n00000001", "n00000002"); // output order, not sorted
    static final String METHODS = "methods = [{kind = gradient}, {kind = smoothgrad, samples = 2}]";

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path model, root, annotations, classes, locCsv;
    static int good;

    @BeforeAll
    static void setUp() throws Exception {
        Path fixtures = Path.of("target", "onnx-fixtures");
        PythonFixtures.generate(PythonFixtures.script("export_onnx_fixtures.py"), fixtures, List.of("tiny.ref.json"),
                List.of("tiny"));
        model = fixtures.resolve("tiny.onnx");
        spark = SparkSession.builder().master("local[2]").appName("noiselens-imagenet-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.session.timeZone", "UTC").getOrCreate();
        classes = dir.resolve("LOC_synset_mapping.txt");
        Files.writeString(classes, String.join("\n", SYNSETS.stream().map(s -> s + " class " + s).toList()) + "\n");
        root = dir.resolve("val");
        annotations = dir.resolve("Annotations");
        Files.createDirectories(annotations.resolve("val"));
        SyntheticShapes shapes = new SyntheticShapes(5, 40);
        StringBuilder csv = new StringBuilder("ImageId,PredictionString\n");
        for (int i = 0; i < 9; i++) {
            String synset = SYNSETS.get(i % 3);
            LabeledImage img = shapes.image("imagenet", i);
            Path classDir = Files.createDirectories(root.resolve(synset));
            String stem = String.format("ILSVRC2012_val_%08d", i + 1);
            // i = 4: a PNG saved with a .JPEG name, as ImageNet has one.
            Files.write(classDir.resolve(stem + ".JPEG"), ImageDecoder.encode(img.pixels(), 3, 40, 40, i == 4 ? "png" : "jpg"));
            // The object: the left half (VOC columns 1..20); a box of another class over the right half is ignored.
            Files.writeString(annotations.resolve("val").resolve(stem + ".xml"), "<annotation><size><width>40</width>"
                    + "<height>40</height></size>" + object(synset, 1, 1, 20, 40) + object("n09999999", 21, 1, 40, 40)
                    + "</annotation>");
            csv.append(stem).append(',').append(synset).append(" 1 1 20 40 n09999999 21 1 40 40\n");
            good++;
        }
        locCsv = dir.resolve("LOC_val_solution.csv");
        Files.writeString(locCsv, csv.toString());
        byte[] jpeg = ImageDecoder.encode(shapes.image("imagenet", 20).pixels(), 3, 40, 40, "jpg");
        Files.write(root.resolve("n00000001").resolve("truncated.JPEG"), Arrays.copyOf(jpeg, jpeg.length / 2));
        Files.write(root.resolve("n00000002").resolve("empty.JPEG"), new byte[0]);
        Files.writeString(root.resolve("n00000002").resolve("notes.JPEG"), "a text file with an image's name");
        Files.write(root.resolve("loose.JPEG"), jpeg);
        Files.write(root.resolve("n00000003").resolve("huge.JPEG"),
                ImageDecoder.encode(new SyntheticShapes(5, 80).image("imagenet", 21).pixels(), 3, 80, 80, "jpg"));
        Files.write(root.resolve("n00000003").resolve("badxml.JPEG"), jpeg);
        Files.writeString(annotations.resolve("val").resolve("badxml.xml"), "<annotation><object><name>n00000003");
    }

    static String object(String name, int x0, int y0, int x1, int y1) {
        return "<object><name>" + name + "</name><bndbox><xmin>" + x0 + "</xmin><ymin>" + y0 + "</ymin><xmax>" + x1
                + "</xmax><ymax>" + y1 + "</ymax></bndbox></object>";
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    static List<String> settings(Path out, String runId, String... more) {
        List<String> s = new ArrayList<>(List.of("run.output=" + out, "run.id=" + runId, "model.path=" + model,
                "model.classes=" + classes, "dataset.resize=32", "dataset.max_pixels=3000", "engine.batch_size=4",
                "metrics.names=[relevance_mass_accuracy, pointing_game, sparseness]"));
        s.addAll(List.of(more));
        return s;
    }

    @Test
    void onnxModelOnAnImageNetFolderAndItsIngestedTable() throws Exception {
        Path out = dir.resolve("out");
        ExplainJob.Outcome o = ExplainJob.run(spark, io.noiselens.config.JobConfigLoader.fromString(METHODS,
                settings(out, "folder", "dataset.kind=folder", "dataset.folder.path=" + root,
                        "dataset.boxes.xml_dir=" + annotations)));
        assertEquals(good + 6, o.images());
        assertEquals(6, o.errors());
        assertEquals(2L * good, o.attributions());

        Dataset<Row> attributions = spark.read().parquet(out.resolve("attributions").toString());
        Row first = attributions.where("run_id = 'folder'").first();
        assertTrue(first.<String>getAs("model_id").startsWith("onnx:tiny@"), first.<String>getAs("model_id"));
        assertEquals(32, (int) first.getAs("height"));
        for (Row r : attributions.where("run_id = 'folder'").select("image_id", "label", "label_name").collectAsList()) {
            assertEquals(SYNSETS.indexOf(r.getString(2)), r.getInt(1), "labels follow the class file: " + r);
        }

        // The left-half box, resized 40 → 32: output columns whose centre maps below x = 20, i.e. 0..15.
        Map<String, float[]> maps = new HashMap<>();
        for (Row r : attributions.where("run_id = 'folder'").select("image_id", "method", "map").collectAsList()) {
            maps.put(r.getString(0) + "|" + r.getString(1), floats(r.getList(2)));
        }
        List<Row> rma = spark.read().parquet(out.resolve("metrics").toString())
                .where("run_id = 'folder' AND metric = 'relevance_mass_accuracy'").select("image_id", "method", "value")
                .collectAsList();
        assertEquals(2 * good, rma.size());
        for (Row r : rma) {
            float[] m = maps.get(r.getString(0) + "|" + r.getString(1));
            double in = 0, total = 0;
            for (int p = 0; p < m.length; p++) {
                double v = Math.max(0, m[p]);
                total += v;
                if (p % 32 < 16) in += v;
            }
            assertEquals(in / total, r.getDouble(2), 1e-9, "relevance mass inside the hand-worked box: " + r);
        }

        String prep = spark.read().parquet(out.resolve("runs").toString()).where("run_id = 'folder'").first()
                .getAs("preprocessing_json");
        assertTrue(prep.contains("\"mean\":[0.485,0.456,0.406]") && prep.contains("shorter side to 32")
                && prep.contains("center 32x32"), prep);
        Map<String, String> errors = errors(out, "folder");
        assertEquals(6, errors.size(), errors.toString());
        assertTrue(errors.get("n00000001/truncated.JPEG").startsWith("decode: truncated JPEG"), errors.toString());
        assertTrue(errors.get("n00000002/empty.JPEG").contains("empty file"), errors.toString());
        assertTrue(errors.get("n00000002/notes.JPEG").contains("not a recognised image format"), errors.toString());
        assertTrue(errors.get("val/loose.JPEG").startsWith("list: the file is not inside a class directory"),
                errors.toString());
        assertTrue(errors.get("n00000003/huge.JPEG").contains("over the limit of 3000"), errors.toString());
        assertTrue(errors.get("n00000003/badxml.JPEG").startsWith("annotation:") && errors.get("n00000003/badxml.JPEG")
                .contains("badxml.JPEG"), errors.toString());

        // The same boxes from a localisation CSV give the same localisation scores.
        ExplainJob.run(spark, io.noiselens.config.JobConfigLoader.fromString(METHODS, settings(out, "csv",
                "dataset.kind=folder", "dataset.folder.path=" + root, "dataset.boxes.csv=" + locCsv)));
        Map<String, Double> fromXml = new HashMap<>(), fromCsv = new HashMap<>();
        for (Row r : spark.read().parquet(out.resolve("metrics").toString()).where("metric = 'relevance_mass_accuracy' "
                + "AND run_id IN ('folder', 'csv')").select("run_id", "image_id", "method", "value").collectAsList()) {
            (r.getString(0).equals("csv") ? fromCsv : fromXml).put(r.getString(1) + "|" + r.getString(2), r.getDouble(3));
        }
        // badxml.JPEG has no CSV row: explained this time, without a mask, so its localisation scores are NaN.
        Map<String, Double> extra = new HashMap<>(fromCsv);
        extra.keySet().removeAll(fromXml.keySet());
        assertEquals(java.util.Set.of("n00000003/badxml.JPEG|gradient", "n00000003/badxml.JPEG|smoothgrad"), extra.keySet());
        for (double v : extra.values()) assertTrue(Double.isNaN(v));
        fromCsv.keySet().retainAll(fromXml.keySet());
        assertEquals(fromXml, fromCsv);

        // ingest: the same folder and boxes as a Parquet dataset, then the job on it gives the same maps and errors.
        Path table = dir.resolve("val.parquet");
        Ingest.Outcome in = Ingest.run(spark, io.noiselens.config.JobConfigLoader.ingest(null, List.of(
                "dataset.kind=folder", "dataset.folder.path=" + root, "dataset.boxes.xml_dir=" + annotations,
                "ingest.output=" + table, "ingest.images_per_file=4")));
        assertEquals(good + 6, in.images());
        assertEquals(4, in.files());
        assertEquals(good + 1, in.annotated());
        assertEquals(4, Files.list(table).filter(p -> p.toString().endsWith(".parquet")).count());
        ExplainJob.Outcome p = ExplainJob.run(spark, io.noiselens.config.JobConfigLoader.fromString(METHODS,
                settings(out, "parquet", "dataset.kind=parquet", "dataset.parquet.path=" + table)));
        assertEquals(o.images(), p.images());
        assertEquals(o.errors(), p.errors());
        for (Row r : attributions.sparkSession().read().parquet(out.resolve("attributions").toString())
                .where("run_id = 'parquet'").select("image_id", "method", "map").collectAsList()) {
            assertArrayEquals(maps.get(r.getString(0) + "|" + r.getString(1)), floats(r.getList(2)), r.getString(0));
        }
        assertEquals(errors, errors(out, "parquet"));

        // The report's gallery reads the inputs again from each run's dataset: the folder's files with their XML or CSV
        // boxes, and the ingested table. Each gives the image decoded, resized and cropped as the run did (not
        // normalised), and the left-half box as columns 0..15; a file that is gone is named as such.
        List<Row> images = attributions.where("run_id = 'folder' AND method = 'gradient'").select("image_id", "path", "label_name")
                .orderBy("image_id").collectAsList();
        Map<String, GalleryInputs.Input> fromXmlInputs = gallery(out, "folder", images), fromCsvInputs = gallery(out, "csv", images),
                fromTable = gallery(out, "parquet", images);
        for (Row r : images) {
            String id = r.getString(0);
            GalleryInputs.Input read = fromXmlInputs.get(id);
            assertNull(read.problem(), id);
            var d = io.noiselens.image.ImageDecoder.decode(Files.readAllBytes(root.resolve(id)), 3, 3000);
            assertArrayEquals(io.noiselens.image.Geometry.of(d.height(), d.width(), 32, 32, 32).apply(d.pixels(), 3),
                    read.pixels(), id);
            for (int q = 0; q < 32 * 32; q++) assertEquals(q % 32 < 16, read.mask()[q], id + ": mask pixel " + q);
            for (GalleryInputs.Input other : List.of(fromCsvInputs.get(id), fromTable.get(id))) {
                assertArrayEquals(read.pixels(), other.pixels(), id);
                assertArrayEquals(read.mask(), other.mask(), id);
            }
        }
        Row gone = new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(new Object[]{"n00000001/gone.JPEG",
                "file:" + root.resolve("n00000001").resolve("gone.JPEG"), "n00000001"}, images.get(0).schema());
        GalleryInputs.Input missing = gallery(out, "folder", List.of(gone)).get("n00000001/gone.JPEG");
        assertTrue(missing.pixels() == null && missing.problem().contains("cannot be read"), missing.problem());
    }

    /** The gallery inputs of {@code images} under run {@code runId}'s recorded configuration. */
    private static Map<String, GalleryInputs.Input> gallery(Path out, String runId, List<Row> images) {
        String config = spark.read().parquet(out.resolve("runs").toString()).where("run_id = '" + runId + "'")
                .select("config_json").first().getString(0);
        return GalleryInputs.load(spark, io.noiselens.config.JobConfigLoader.fromString(config, List.of()), 3, 32, 32, images);
    }

    /**
     * Every file under the root yields a map or an error row: names with characters that globs and URIs give a
     * meaning to, hidden and underscore files and upper-case extensions are read; a file of another extension, a
     * dangling link and a link back into the dataset (a loop) each get one error row with the reason.
     */
    @Test
    void everyFileIsReadLiterallyOrReportedWithItsReason() throws Exception {
        Path odd = dir.resolve("img [v1] {a,b} *?%20");
        SyntheticShapes shapes = new SyntheticShapes(5, 40);
        List<String> readable = List.of("colon:name.JPEG", ".hidden.jpg", "_underscore.jpg", "UPPER.Jpg",
                "sp ace [1] {x} %41 *?.png");
        for (int i = 0; i < readable.size(); i++) {
            Path classDir = Files.createDirectories(odd.resolve(SYNSETS.get(i % 3)));
            String name = readable.get(i);
            Files.write(classDir.resolve(name), ImageDecoder.encode(shapes.image("odd", i).pixels(), 3, 40, 40,
                    name.endsWith(".png") ? "png" : "jpg"));
        }
        Path c1 = odd.resolve(SYNSETS.get(1));
        Files.writeString(c1.resolve("readme.txt"), "not an image");
        Files.createSymbolicLink(c1.resolve("gone.jpg"), c1.resolve("missing.jpg"));
        Files.createSymbolicLink(c1.resolve("loop"), odd);
        Path out = dir.resolve("out-odd");
        ExplainJob.Outcome o = ExplainJob.run(spark, io.noiselens.config.JobConfigLoader.fromString(
                "methods = [{kind = gradient}]", settings(out, "odd", "dataset.kind=folder", "dataset.folder.path=" + odd)));
        String c = SYNSETS.get(1) + "/";
        Map<String, String> errors = errors(out, "odd");
        assertEquals(java.util.Set.of(c + "readme.txt", c + "gone.jpg", c + "loop"), errors.keySet(), errors.toString());
        assertTrue(errors.get(c + "readme.txt").startsWith("list: not read: the extension '.txt'")
                && errors.get(c + "readme.txt").contains("dataset.folder.extensions"), errors.toString());
        assertTrue(errors.get(c + "gone.jpg").contains("dangling symbolic link"), errors.toString());
        assertTrue(errors.get(c + "loop").contains("symbolic link to " + odd.toRealPath()), errors.toString());
        assertEquals(readable.size() + 3, o.images());
        assertEquals(readable.size(), o.attributions());
        java.util.Set<String> mapped = new java.util.HashSet<>(spark.read().parquet(out.resolve("attributions").toString())
                .select("image_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        for (int i = 0; i < readable.size(); i++) {
            assertTrue(mapped.contains(SYNSETS.get(i % 3) + "/" + readable.get(i)), readable.get(i) + " in " + mapped);
        }
    }

    /** Class directories a named model does not know are refused, listed, with the fix; never relabelled by order. */
    @Test
    void classDirectoriesUnknownToTheModelAreRefused() throws Exception {
        Path other = dir.resolve("other");
        byte[] jpeg = ImageDecoder.encode(new SyntheticShapes(5, 40).image("other", 0).pixels(), 3, 40, 40, "jpg");
        for (String d : List.of("cross", "disk", SYNSETS.get(0), "zebra")) {
            Files.write(Files.createDirectories(other.resolve(d)).resolve("a.jpg"), jpeg);
        }
        String m = assertThrows(io.noiselens.lang.NoiseLensException.class, () -> ExplainJob.run(spark,
                io.noiselens.config.JobConfigLoader.fromString("methods = [{kind = gradient}]", settings(
                        dir.resolve("out-other"), "other", "dataset.kind=folder", "dataset.folder.path=" + other))))
                .getMessage();
        assertTrue(m.contains("3 of its 4 class directories are not among the model's classes: [cross, disk, zebra]")
                && m.contains("model.classes"), m);
        // Without class names (no model.classes), sorted order is the only labelling there is: taken, and logged.
        assertEquals(List.of(0, 1, 2), ImageSource.labels(List.of("a", "b", "c"), List.of("class_0", "class_1",
                "class_2"), "test"));
        assertEquals(List.of(2, 0), ImageSource.labels(List.of("x", "y"), List.of("y", "q", "x"), "test"));
        m = assertThrows(io.noiselens.lang.NoiseLensException.class, () -> ImageSource.labels(List.of("a", "b", "c"),
                List.of("class_0", "class_1"), "test")).getMessage();
        assertTrue(m.contains("3 class directories but the model has 2 outputs"), m);
    }

    static Map<String, String> errors(Path out, String runId) {
        Map<String, String> m = new HashMap<>();
        for (Row r : spark.read().parquet(out.resolve("errors").toString()).where("run_id = '" + runId + "'")
                .select("image_id", "error_stage", "error_message").collectAsList()) {
            m.put(r.getString(0), r.getString(1) + ": " + r.getString(2));
        }
        return m;
    }

    static float[] floats(List<Float> v) {
        float[] a = new float[v.size()];
        for (int i = 0; i < a.length; i++) a[i] = v.get(i);
        return a;
    }
}
