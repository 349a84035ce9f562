package io.noiselens.report;

import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.job.NoiseLensMain;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.noiselens.report.ReportTest.count;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The demo's report, made as a user makes it: {@code noiselens demo} (two demo models trained on disjoint splits, a σ
 * sweep) ends by printing the report's path; a second run, then {@code noiselens report --compare} with the first.
 * Opened in headless Chromium: inputs with their object masks outlined, σ-sweep plots, the changes since the first run
 * as Spark SQL computes them from the summary tables. The first report's screenshot is kept in {@code target/} (README's
 * picture).
 */
class DemoReportTest {
    @TempDir
    static Path dir;

    @Test
    void theDemoEndsWithItsReportAndAReportComparesTwoRuns() throws Exception {
        Path out = dir.resolve("out");
        List<String> sets = List.of("run.output=" + out, "model.cache_dir=" + dir.resolve("cache"), "model.splits=2",
                "model.train_images=200", "model.train_epochs=1", "dataset.builtin.images=8", "engine.batch_size=4",
                "methods=[{kind = gradient}, {kind = smoothgrad, samples = 4, sigma = [0.1, 0.3]}]",
                "metrics.names=[deletion_auc, pointing_game, fidelity_error, stability_error]", "metrics.causal_step=512");
        String first = cli("demo", sets, "run.id=d1");
        Matcher printed = Pattern.compile("(?m)^Report: (\\S+)$").matcher(first);
        assertTrue(printed.find(), "the demo ends by printing the report's path:\n" + first);
        Path firstPage = Path.of(java.net.URI.create(printed.group(1)));
        assertTrue(Files.isRegularFile(firstPage), printed.group(1));
        // README's picture: the top of the first run's report, its gallery.
        Chromium.Page top = Chromium.open(firstPage, dir.resolve("browser-d1"), 1280, 1500);
        assertEquals(List.of(), top.console(), "console messages while loading the report");
        Files.createDirectories(Path.of("target"));
        Files.copy(top.screenshot(), Path.of("target", "report-screenshot.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        cli("demo", sets, "run.id=d2", "run.seed=7");
        List<String> report = new ArrayList<>(List.of("report", "--run", "d2", "--compare", "d1"));
        for (String s : sets) report.addAll(List.of("--set", s));
        String printedReport = cli(report);
        Matcher m = Pattern.compile("(?m)^Report: (\\S+)$").matcher(printedReport);
        assertTrue(m.find(), printedReport);
        Path html = Path.of(java.net.URI.create(m.group(1)));
        String source = Files.readString(html);

        Chromium.Page p = Chromium.open(html, dir.resolve("browser"), 1280, 2400);
        assertEquals(List.of(), p.console(), "console messages while loading the report");
        assertFalse(source.contains("<script"), "the report has no script");

        // Gallery: every image with its input, whose object mask (the built-in set has one) is outlined exactly.
        int inputs = count(p.dom(), "<img class=\"input\"");
        Matcher row = Pattern.compile("class=\"gallery-row\">\\s*<h3>eval-(\\d+) ").matcher(source);
        List<BufferedImage> drawn = ReportTest.pngs(source);
        int perRow = 1 + 3 * 2 * 2 * 2; // the input, then 3 methods × 2 models × 2 views × 2 signs
        SyntheticShapes shapes = new SyntheticShapes(7, 64);
        int k = 0;
        while (row.find()) {
            LabeledImage img = shapes.image("eval", Long.parseLong(row.group(1)));
            BufferedImage input = drawn.get(k * perRow);
            int outlined = 0;
            for (int q = 0; q < 64 * 64; q++) {
                int x = q % 64, y = q / 64, rgb = input.getRGB(x, y) & 0xFFFFFF;
                boolean edge = img.mask()[q] && (x == 0 || y == 0 || x == 63 || y == 63 || !img.mask()[q - 1]
                        || !img.mask()[q + 1] || !img.mask()[q - 64] || !img.mask()[q + 64]);
                if (edge) {
                    assertEquals(Heatmaps.OUTLINE, rgb, "eval-" + row.group(1) + ": mask edge pixel " + q);
                    outlined++;
                } else {
                    int r = Math.round(img.pixels()[q] * 255), g = Math.round(img.pixels()[4096 + q] * 255),
                            b = Math.round(img.pixels()[8192 + q] * 255);
                    assertEquals((r << 16) | (g << 8) | b, rgb, "eval-" + row.group(1) + ": input pixel " + q);
                }
            }
            assertTrue(outlined > 8, "an outline of " + outlined + " pixels");
            k++;
        }
        assertTrue(k >= 3 && k == inputs, k + " gallery rows, " + inputs + " inputs");
        assertEquals(k * perRow, drawn.size(), "inputs and maps");

        // σ sweeps: fidelity (per model) and stability (between the two) against σ.
        assertEquals(2, count(p.dom(), "class=\"plot sweep\""), "fidelity_error and stability_error against σ");
        assertTrue(source.contains("smoothgrad (σ) @ "), "the swept family is one series");

        // Changes since d1: as many rows as (method, metric) pairs in either run's summary, each flagged as the two
        // runs' intervals say (computed here in Spark SQL from the summary table).
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            spark.read().parquet(out + "/summary").createOrReplaceTempView("s");
            List<Row> expected = spark.sql("SELECT coalesce(a.metric, b.metric), coalesce(a.method, b.method), "
                    + "coalesce(a.model_id, b.model_id), CASE "
                    + "WHEN b.mean IS NULL THEN 'new' WHEN a.mean IS NULL THEN 'gone' "
                    + "WHEN a.ci95_low > b.ci95_high THEN IF(a.higher_is_better, 'better', 'worse') "
                    + "WHEN a.ci95_high < b.ci95_low THEN IF(a.higher_is_better, 'worse', 'better') ELSE 'unchanged' END "
                    + "FROM (SELECT * FROM s WHERE run_id = 'd2' AND label_name IS NULL AND mean IS NOT NULL) a "
                    + "FULL OUTER JOIN (SELECT * FROM s WHERE run_id = 'd1' AND label_name IS NULL AND mean IS NOT NULL) b "
                    + "ON a.metric = b.metric AND a.method = b.method AND a.model_id = b.model_id").collectAsList();
            Matcher change = Pattern.compile("<tr class=\"(\\w+)\"><td>\\w+</td><td>\\w+</td><td>(\\w+)</td>"
                    + "<td>([\\w.]+)</td><td>([^<]*)</td>").matcher(source);
            Map<String, String> shown = new HashMap<>();
            while (change.find()) shown.put(change.group(2) + "/" + change.group(3) + "/" + change.group(4), change.group(1));
            Map<String, String> want = new HashMap<>();
            for (Row r : expected) want.put(r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2), r.getString(3));
            assertEquals(want, shown, "one row per (metric, method, model) with its flag");
            assertTrue(source.contains("Changes since run <code>d1</code>"));
        } finally {
            spark.stop();
        }

        // The screenshot: inputs, outlines and maps drawn.
        BufferedImage shot = ImageIO.read(p.screenshot().toFile());
        long outline = 0;
        for (int y = 0; y < shot.getHeight(); y++) {
            for (int x = 0; x < shot.getWidth(); x++) if (ReportTest.near(shot.getRGB(x, y) & 0xFFFFFF, Heatmaps.OUTLINE)) outline++;
        }
        assertTrue(outline > 100, "mask outlines visible in the screenshot: " + outline + " pixels");
    }

    private static String cli(String command, List<String> sets, String... more) {
        List<String> args = new ArrayList<>(List.of(command));
        for (String s : sets) args.addAll(List.of("--set", s));
        for (String s : more) args.addAll(List.of("--set", s));
        return cli(args);
    }

    private static String cli(List<String> args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(0, NoiseLensMain.run(args.toArray(String[]::new), new PrintStream(buf, true)), buf::toString);
        return buf.toString();
    }
}
