package io.noiselens.job;

import io.noiselens.PythonFixtures;
import io.noiselens.config.JobConfigLoader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A vision transformer exported by PyTorch (torchvision's {@code VisionTransformer}, small configuration, opset 13;
 * {@code export_onnx_fixtures.py}) explained by the job on a folder of PNG files on the torch engine with every method
 * family — weight noise
 * on its class token, position embedding and attention weights, DANCE at an encoder block addressed by its PyTorch
 * module name — and scored; and the
 * ND4J engine writing the same maps.
 */
class TransformerJobTest {
    static final String METHODS = "methods = [{kind = gradient}, {kind = gradient_x_input}, "
            + "{kind = integrated_gradients, steps = 4}, {kind = smoothgrad, samples = 2}, {kind = smoothgrad_sq, samples = 2}, "
            + "{kind = vargrad, samples = 2}, {kind = noisegrad, replicas = 2}, {kind = fusiongrad, replicas = 2, samples = 2}, "
            + "{kind = smoothtaylor, samples = 3}, {kind = relex, samples = 2, iterations = 2}, "
            + "{kind = dance, layer = encoder.layers.encoder_layer_1, patch = 16, stride = 16, iterations = 2}]";
    static final int N_METHODS = 11;

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path model, images;

    @BeforeAll
    static void setUp() throws Exception {
        Path fixtures = Path.of("target", "onnx-fixtures");
        PythonFixtures.generate(PythonFixtures.script("export_onnx_fixtures.py"), fixtures, List.of("vit.ref.json"),
                List.of("vit"));
        model = fixtures.resolve("vit.onnx");
        // A folder of PNG files in class directories named as the export's classes (class_0, class_1, class_2).
        images = dir.resolve("images");
        io.noiselens.data.SyntheticShapes shapes = new io.noiselens.data.SyntheticShapes(5, 32);
        for (int i = 0; i < 6; i++) {
            Path classDir = java.nio.file.Files.createDirectories(images.resolve("class_" + (i % 3)));
            java.nio.file.Files.write(classDir.resolve("img" + i + ".png"), io.noiselens.image.ImageDecoder.encode(
                    shapes.image("vit", i).pixels(), 3, 32, 32, "png"));
        }
        spark = SparkSession.builder().master("local[2]").appName("noiselens-transformer-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.session.timeZone", "UTC").getOrCreate();
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    static io.noiselens.config.JobConfig config(Path out, String... more) {
        List<String> sets = new java.util.ArrayList<>(List.of("run.output=" + out, "run.id=vit", "model.path=" + model,
                "dataset.kind=folder", "dataset.folder.path=" + images, "engine.batch_size=3", "metrics.causal_step=64",
                "metrics.names=[sparseness, deletion_auc]"));
        sets.addAll(List.of(more));
        return JobConfigLoader.fromString(METHODS, sets);
    }

    @Test
    void everyMethodExplainsAVisionTransformerOnTheTorchEngine() {
        Path out = dir.resolve("vit");
        ExplainJob.Outcome o = ExplainJob.run(spark, config(out, "engine.backend=torch"));
        assertEquals(6, o.images());
        assertEquals(0, o.errors());
        assertEquals(6L * N_METHODS, o.attributions());
        spark.read().parquet(out.resolve("attributions").toString()).createOrReplaceTempView("vit_maps");
        assertEquals(6L * N_METHODS, spark.sql("SELECT * FROM vit_maps WHERE height = 32 AND width = 32 AND map_l2 > 0 "
                + "AND NOT exists(map, x -> isnan(x) OR x = double('inf') OR x = double('-inf'))").count());
        List<Row> methods = spark.sql("SELECT DISTINCT method FROM vit_maps").collectAsList();
        assertEquals(N_METHODS, methods.size());
        Row dance = spark.sql("SELECT method_params FROM vit_maps WHERE method = 'dance' LIMIT 1").first();
        assertTrue(dance.getString(0).contains("\"engine_backend\":\"torch\""), dance.getString(0));
        assertEquals(6L * N_METHODS * 2, spark.read().parquet(out.resolve("metrics").toString()).count());
    }

    /** The ND4J engine (SameDiff's autodiff for these graphs) writes the same maps as the torch engine. */
    @Test
    void theNd4jEngineWritesTheSameMaps() {
        String methods = "methods = [{kind = gradient}, {kind = noisegrad, replicas = 2}, "
                + "{kind = dance, layer = conv_proj, patch = 16, stride = 16, iterations = 2}]";
        Path out = dir.resolve("engines");
        for (String engine : List.of("nd4j", "torch")) {
            List<String> sets = new java.util.ArrayList<>(List.of("run.output=" + out, "run.id=" + engine,
                    "model.path=" + model, "dataset.kind=folder", "dataset.folder.path=" + images,
                    "engine.batch_size=3", "metrics.names=[sparseness]", "engine.backend=" + engine));
            ExplainJob.run(spark, JobConfigLoader.fromString(methods, sets));
        }
        spark.read().parquet(out.resolve("attributions").toString()).createOrReplaceTempView("engine_maps");
        List<Row> pairs = spark.sql("SELECT t.map, n.map, t.method FROM engine_maps t JOIN engine_maps n "
                + "ON t.image_id = n.image_id AND t.method = n.method WHERE t.run_id = 'torch' AND n.run_id = 'nd4j'")
                .collectAsList();
        assertEquals(6 * 3, pairs.size());
        double worst = 0;
        for (Row r : pairs) {
            List<Float> a = r.getList(0), b = r.getList(1);
            double num = 0, den = 0;
            for (int k = 0; k < a.size(); k++) {
                num = Math.max(num, Math.abs(a.get(k) - b.get(k)));
                den = Math.max(den, Math.abs(b.get(k)));
            }
            worst = Math.max(worst, num / den);
        }
        System.out.printf("ViT in the job, torch vs ND4J engine: worst map difference %.2e (relative)%n", worst);
        assertTrue(worst <= 1e-4, "maps differ by " + worst);
    }

    /**
     * Class activation maps read the transformer's blocks (the default: the last block's pre-attention LayerNorm);
     * LRP and DeepLift, whose rules do not cover attention, are refused before the run with the alternatives.
     */
    @Test
    void camReadsTransformerBlocksAndPropagationIsRefused() {
        Path out = dir.resolve("vit-cam");
        List<String> sets = List.of("run.output=" + out, "run.id=vitcam", "model.path=" + model, "dataset.kind=folder",
                "dataset.folder.path=" + images, "engine.batch_size=3", "metrics.names=[sparseness]", "engine.backend=torch");
        ExplainJob.Outcome o = ExplainJob.run(spark, JobConfigLoader.fromString("methods = [{kind = gradcam}, "
                + "{kind = layercam, layer = encoder.layers.encoder_layer_0}]", sets));
        assertEquals(0, o.errors());
        spark.read().parquet(out.resolve("attributions").toString()).createOrReplaceTempView("vit_cams");
        assertEquals(12, spark.sql("SELECT * FROM vit_cams WHERE map_l2 > 0 "
                + "AND NOT exists(map, x -> isnan(x) OR x = double('inf'))").count());
        assertTrue(spark.sql("SELECT method_params FROM vit_cams WHERE method = 'gradcam' LIMIT 1").first().getString(0)
                .contains("\"layer\":\"encoder.layers.encoder_layer_1.ln_1\""));
        for (String kind : List.of("lrp", "deeplift")) {
            io.noiselens.lang.NoiseLensException e = assertThrows(io.noiselens.lang.NoiseLensException.class,
                    () -> ExplainJob.run(spark, JobConfigLoader.fromString("methods = [{kind = " + kind + "}]", sets)));
            assertTrue(e.getMessage().contains("convolutional networks") && e.getMessage().contains("gradcam"), e.getMessage());
        }
    }
}
