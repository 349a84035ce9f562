package io.noiselens.job;

import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SmallCnn;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The shaded jar (Spark provided) launched the way spark-submit launches it: a fresh JVM running
 * {@code org.apache.spark.deploy.SparkSubmit --class … --master local[2] <jar> run …} with only Spark's own jars on its
 * classpath, then the tables it wrote read back with Spark SQL. Runs after {@code package} (failsafe).
 */
class SparkSubmitIT {
    static final Path TARGET = Path.of("target");

    @Test
    void theShadedJarRunsUnderSparkSubmit(@TempDir Path dir) throws Exception {
        Path jar;
        try (var s = Files.list(TARGET)) {
            jar = s.filter(p -> p.getFileName().toString().endsWith("-spark.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no shaded jar in target/; run mvn package first"));
        }
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 64, 64, 5, SyntheticShapes.CLASSES, Preprocessing.identity(3));
        Path model = dir.resolve("model.nlm");
        ModelFile.save(model, spec, Architectures.initialWeights(spec, 11));
        Path conf = dir.resolve("job.conf");
        Path out = dir.resolve("out");
        Files.writeString(conf, "run { id = submitted, output = \"" + out + "\" }\n"
                + "model.path = \"" + model + "\"\ndataset.builtin.images = 8\nengine.batch_size = 4\n"
                + "methods = [{kind = gradient}, {kind = smoothgrad, samples = 2}]\nmetrics.names = [sparseness]\n");

        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-Dorg.bytedeco") || a.startsWith("-Xmx")
                    || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || a.startsWith("-Djdk.reflect")) {
                cmd.add(a);
            }
        }
        // Spark's jars: those only Spark brings, and those NoiseLens shares with it (left out of the shaded jar).
        String sparkJars = Files.readString(TARGET.resolve("spark-classpath.txt")).strip() + java.io.File.pathSeparator
                + Files.readString(TARGET.resolve("spark-shared-classpath.txt")).strip();
        cmd.addAll(List.of("-cp", sparkJars,
                "org.apache.spark.deploy.SparkSubmit", "--class", NoiseLensMain.class.getName(), "--master", "local[2]",
                "--conf", "spark.ui.enabled=false", jar.toAbsolutePath().toString(), "run", "--config", conf.toString()));
        Path log = dir.resolve("submit.log");
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        int rc = b.start().waitFor();
        String output = Files.readString(log);
        assertEquals(0, rc, output.length() > 6000 ? output.substring(output.length() - 6000) : output);
        assertTrue(output.contains("Run submitted: 8 images, 16 maps, 0 errors"), output);

        SparkSession spark = SparkSession.builder().master("local[1]").appName("noiselens-submit-check")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            assertEquals(16, spark.read().parquet(out.resolve("attributions").toString()).where("run_id = 'submitted'").count());
            Row run = spark.read().parquet(out.resolve("runs").toString()).first();
            assertEquals("succeeded", run.getAs("status"));
            assertEquals(8L, (long) run.getAs("n_images"));
        } finally {
            spark.stop();
        }
    }
}
