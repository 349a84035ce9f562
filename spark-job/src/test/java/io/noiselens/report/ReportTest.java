package io.noiselens.report;

import io.noiselens.config.JobConfig;
import io.noiselens.config.JobConfigLoader;
import io.noiselens.image.ImageDecoder;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.job.ExplainJob;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SmallCnn;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The run report of a real run (a folder of images with hostile file names that are quarantined), opened in headless
 * Chromium: it loads without console messages, its plots are drawn, nothing is fetched from anywhere, and the file
 * names render as text.
 */
class ReportTest {
    @TempDir
    static Path dir;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("noiselens-report-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").config("spark.sql.session.timeZone", "UTC").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void theReportOpensOfflineInABrowserWithItsPlotsAndHostileNamesInert() throws Exception {
        Path root = dir.resolve("images");
        SyntheticShapes shapes = new SyntheticShapes(3, 64);
        for (int i = 0; i < 6; i++) {
            LabeledImage img = shapes.image("report", i);
            Path classDir = root.resolve(SyntheticShapes.CLASSES.get(img.label()));
            Files.createDirectories(classDir);
            Files.write(classDir.resolve("img" + i + ".png"), ImageDecoder.encode(img.pixels(), 3, 64, 64, "png"));
        }
        // A corrupt file named as markup, and one whose path spells a script element (a directory "<script>alert(1)<"
        // holding "script>.jpg"): both quarantined, both shown in the errors table.
        Path circle = root.resolve(SyntheticShapes.CLASSES.get(0));
        Files.createDirectories(circle);
        Files.write(circle.resolve("<img src=x onerror=alert(1)>.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, 1, 2});
        Path scriptDir = circle.resolve("<script>alert(1)<");
        Files.createDirectories(scriptDir);
        Files.write(scriptDir.resolve("script>.jpg"), new byte[]{1, 2, 3});

        Path out = dir.resolve("out"), model = dir.resolve("model.nlm");
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 64, 64, 5, SyntheticShapes.CLASSES, Preprocessing.identity(3));
        ModelFile.save(model, spec, Architectures.initialWeights(spec, 17));
        ExplainJob.run(spark, JobConfigLoader.fromString("methods = [{kind = gradient}, {kind = smoothgrad, samples = 2}]",
                List.of("run.id=r1", "run.output=" + out, "dataset.kind=folder", "dataset.folder.path=" + root,
                        "model.path=" + model, "engine.batch_size=4",
                        "metrics.names=[deletion_auc, insertion_auc, sparseness]", "metrics.causal_step=512")));
        JobConfig.Report options = JobConfigLoader.fromString("methods = [{kind = gradient}]", List.of()).run().report();
        String page = Report.write(spark, out.toString(), "r1", out.resolve("reports/r1").toString(), options, null);
        Path html = Path.of(java.net.URI.create(page));
        String source = Files.readString(html);

        // Self-contained: no script, and nothing referenced by URL (SVG's namespace is a name, not a fetch).
        assertFalse(source.contains("<script"), "the report has no script");
        Matcher fetch = Pattern.compile("(src|href)\\s*=\\s*\"(?!#|data:)", Pattern.CASE_INSENSITIVE).matcher(source);
        assertFalse(fetch.find(), "the report references an outside resource: " + (fetch.find(0) ? source.substring(
                fetch.start(), Math.min(source.length(), fetch.start() + 80)) : ""));
        assertTrue(source.contains("&lt;script&gt;alert(1)&lt;/script&gt;.jpg"), "the hostile path is escaped");

        Chromium.Page p = Chromium.open(html, dir.resolve("browser"), 1280, 6000);
        assertEquals(List.of(), p.console(), "console messages while loading the report");
        assertFalse(p.dom().contains("<script"), "a file name became a script element");
        // The only images are the gallery's inputs and drawn maps (data URIs): the file name did not become one.
        assertFalse(p.dom().contains("onerror=\""), "a file name became an attribute");
        int inputs = count(p.dom(), "<img class=\"input\""), heat = count(p.dom(), "<img class=\"heatmap\""),
                overlays = count(p.dom(), "<img class=\"overlay\"");
        assertEquals(inputs + heat + overlays, count(p.dom(), "<img"), "an image that is not an input or a map");
        assertEquals(inputs + heat + overlays, count(p.dom(), "src=\"data:image/png;base64,"), "an image that is not an inline PNG");
        // Best, median and worst by deletion AUC and the best per class, deduplicated: 3 to 3 + 5 images, each with
        // its input and 2 methods × 2 views × 2 signs.
        assertTrue(inputs >= 3 && inputs <= 8, inputs + " gallery images");
        assertEquals(inputs * 4, heat, "two methods × two signs per image");
        assertEquals(heat, overlays, "a blended overlay per heat map");
        List<BufferedImage> drawn = pngs(source);
        int structured = 0;
        for (BufferedImage map : drawn) {
            assertEquals(64, map.getWidth());
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) colours.add(map.getRGB(x, y));
            if (colours.size() > 10) structured++;
        }
        assertEquals(drawn.size(), structured, "every drawn image has structure (more than 10 colours)");
        // Each gallery row: the input is the file the run read (same size as the model's input, so unchanged), and
        // the blended view is Captum's: half the heat map over the input's channel mean scaled to its range.
        Matcher row = Pattern.compile("class=\"gallery-row\">\\s*<h3>([^ <]+) ").matcher(source);
        int checked = 0;
        for (int k = 0; row.find(); k++) {
            String id = row.group(1);
            BufferedImage input = drawn.get(k * 9), heatAll = drawn.get(k * 9 + 1), overlayAll = drawn.get(k * 9 + 3);
            BufferedImage file = ImageIO.read(root.resolve(id).toFile());
            double[] grey = new double[64 * 64];
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (int q = 0; q < grey.length; q++) {
                int rgb = file.getRGB(q % 64, q / 64);
                assertEquals(rgb & 0xFFFFFF, input.getRGB(q % 64, q / 64) & 0xFFFFFF, id + ": input pixel " + q);
                grey[q] = (((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF)) / 3.0;
                lo = Math.min(lo, grey[q]);
                hi = Math.max(hi, grey[q]);
            }
            for (int q = 0; q < grey.length; q++) {
                int h = heatAll.getRGB(q % 64, q / 64), o = overlayAll.getRGB(q % 64, q / 64);
                double g = (grey[q] - lo) / (hi - lo) * 255;
                for (int shift : new int[]{16, 8, 0}) {
                    assertEquals(0.5 * ((h >> shift) & 0xFF) + 0.5 * g, (o >> shift) & 0xFF, 1.0, id + ": blended pixel " + q);
                }
            }
            checked++;
        }
        assertEquals(inputs, checked);
        assertTrue(p.dom().contains("&lt;script&gt;alert(1)&lt;/script&gt;.jpg"), "the path is shown as text");
        assertTrue(p.dom().contains("&lt;img src=x onerror=alert(1)&gt;.jpg"), "the file name is shown as text");
        assertEquals(2, count(p.dom(), "class=\"plot\""), "deletion and insertion curves");
        // Sampling: one row per method; no weight-noise replica in this run.
        assertEquals(2, count(p.dom(), "<tr><td>small_cnn@"), "a sampling row per method");
        assertTrue(p.dom().contains("No weight-noise replicas in this run."));
        for (String metric : List.of("deletion_auc", "insertion_auc", "sparseness")) {
            assertTrue(p.dom().contains(metric), metric + " missing from the page");
        }

        // The screenshot: a page with text, tables and plotted lines in the palette's colours, not a blank canvas.
        BufferedImage shot = ImageIO.read(p.screenshot().toFile());
        long coloured = 0, plotted = 0, total = (long) shot.getWidth() * shot.getHeight();
        for (int y = 0; y < shot.getHeight(); y++) {
            for (int x = 0; x < shot.getWidth(); x++) {
                int rgb = shot.getRGB(x, y) & 0xFFFFFF;
                if (rgb != 0xFFFFFF) coloured++;
                if (near(rgb, 0x1f77b4) || near(rgb, 0xff7f0e)) plotted++;
            }
        }
        assertTrue(coloured > total / 100, "the screenshot is nearly blank: " + coloured + " of " + total);
        assertTrue(plotted > 200, "no plotted lines in the screenshot: " + plotted + " pixels in the series colours");
    }

    /** Every inline PNG of the page, in order. */
    static List<BufferedImage> pngs(String source) throws java.io.IOException {
        Matcher uri = Pattern.compile("src=\"data:image/png;base64,([^\"]+)\"").matcher(source);
        List<BufferedImage> out = new java.util.ArrayList<>();
        while (uri.find()) {
            out.add(ImageIO.read(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(
                    uri.group(1).replace("&#61;", "=")))));
        }
        return out;
    }

    static boolean near(int rgb, int target) {
        int dr = ((rgb >> 16) & 0xFF) - ((target >> 16) & 0xFF), dg = ((rgb >> 8) & 0xFF) - ((target >> 8) & 0xFF),
                db = (rgb & 0xFF) - (target & 0xFF);
        return Math.abs(dr) + Math.abs(dg) + Math.abs(db) < 40;
    }

    static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }
}
