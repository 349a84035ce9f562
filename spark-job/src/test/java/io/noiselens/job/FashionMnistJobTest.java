package io.noiselens.job;

import io.noiselens.config.JobConfigLoader;
import io.noiselens.data.FashionMnist;
import io.noiselens.data.LabeledImage;
import io.noiselens.model.FashionMnistModel;
import io.noiselens.model.ModelFile;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.Trainer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The real-data example (conf/fashion-mnist.conf) end to end: the CNN trained on Fashion-MNIST's 60 000 training
 * images reaches ≥ 88 % on the 10 000 test images (measured here, apart from the trainer's own count), and the job
 * explains and scores test images read from the IDX files, labelled as the files say.
 */
class FashionMnistJobTest {
    static final Path CACHE = Path.of("target", "fashion-mnist-model-cache");

    @Test
    void trainedModelClearsTheBarAndTheJobRunsOnTheTestSet(@TempDir Path dir) {
        Path dataDir = Path.of(FashionMnist.DEFAULT_DIR);
        ModelFile.Loaded model = ModelFile.load(FashionMnistModel.getOrTrain(CACHE, dataDir, FashionMnistModel.Recipe.standard()));
        List<LabeledImage> test = FashionMnist.load(dataDir, "t10k");
        int correct = 0;
        try (SameDiffClassifier m = SameDiffClassifier.create(model.spec(), model.weights())) {
            for (int start = 0; start < test.size(); start += 500) {
                float[] buf = new float[500 * 784];
                for (int r = 0; r < 500; r++) System.arraycopy(Trainer.modelInput(model.spec(), test.get(start + r)), 0, buf, r * 784, 784);
                INDArray pred = m.logits(Nd4j.createFromArray(buf).reshape(500, 1, 28, 28)).argMax(1);
                for (int r = 0; r < 500; r++) if (pred.getInt(r) == test.get(start + r).label()) correct++;
            }
        }
        double accuracy = correct / 10_000.0;
        System.out.printf("Fashion-MNIST test accuracy of the example model: %.4f%n", accuracy);
        assertTrue(accuracy >= 0.88, "test accuracy " + accuracy);

        SparkSession spark = SparkSession.builder().master("local[2]").appName("noiselens-fmnist-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        try {
            Path out = dir.resolve("out");
            // The example's own configuration, made small: 40 images, two methods, three metrics.
            ExplainJob.Outcome o = ExplainJob.run(spark, JobConfigLoader.load(Path.of("..", "conf", "fashion-mnist.conf"),
                    List.of("run.id=fm", "run.output=" + out, "dataset.fashion_mnist.images=40",
                            "model.cache_dir=" + CACHE, "replicas.eval_images=40",
                            "methods=[{kind = gradient}, {kind = noisegrad, replicas = 3}]",
                            "metrics.names=[deletion_auc, sparseness, faithfulness_correlation]")));
            assertEquals(40, o.images());
            assertEquals(0, o.errors());
            assertEquals(80, o.attributions());
            for (Row r : spark.read().parquet(out.resolve("attributions").toString()).where("run_id = 'fm'")
                    .select("image_id", "label", "label_name", "height", "width").collectAsList()) {
                int i = Integer.parseInt(r.getString(0).substring("t10k-".length()));
                assertEquals(test.get(i).label(), r.getInt(1), r.toString());
                assertEquals(FashionMnist.CLASSES.get(r.getInt(1)), r.getString(2));
                assertEquals(28, r.getInt(3));
            }
            assertEquals(40 * 2 * 3, spark.read().parquet(out.resolve("metrics").toString()).where("run_id = 'fm'").count());
            // NoiseGrad's 3 independent replicas give each map a relative standard error; a plain gradient has none.
            Row se = spark.read().parquet(out.resolve("attributions").toString()).where("run_id = 'fm'")
                    .groupBy("method").agg(org.apache.spark.sql.functions.count("relative_se").as("n"),
                            org.apache.spark.sql.functions.min("relative_se").as("lo"))
                    .where("method = 'noisegrad'").first();
            assertEquals(40L, se.getLong(1));
            assertTrue(se.getDouble(2) > 0, se.toString());
            assertEquals(0, spark.read().parquet(out.resolve("attributions").toString())
                    .where("run_id = 'fm' AND method = 'gradient' AND relative_se IS NOT NULL").count());
            // The replicas table measures the clean model on the same 40 images: the test accuracy, near enough.
            Row rep = spark.read().parquet(out.resolve("replicas").toString()).where("run_id = 'fm'").first();
            assertTrue((double) rep.getAs("clean_accuracy") >= 0.75, rep.toString());
            // The report's gallery reads the inputs again from the IDX files: the test set's own pixels, no mask.
            List<Row> some = spark.read().parquet(out.resolve("attributions").toString())
                    .where("run_id = 'fm' AND method = 'gradient'").select("image_id", "path", "label_name")
                    .orderBy("image_id").limit(3).collectAsList();
            String config = spark.read().parquet(out.resolve("runs").toString()).where("run_id = 'fm'").first()
                    .getAs("config_json");
            var inputs = GalleryInputs.load(spark, JobConfigLoader.fromString(config, List.of()), 1, 28, 28, some);
            for (Row r : some) {
                int i = Integer.parseInt(r.getString(0).substring("t10k-".length()));
                var in = inputs.get(r.getString(0));
                assertNull(in.mask());
                for (int q = 0; q < 784; q++) assertEquals(test.get(i).pixels()[q], in.pixels()[q], 1e-6, r.getString(0));
            }
        } finally {
            spark.stop();
        }
    }
}
