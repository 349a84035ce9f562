package io.noiselens.job;

import io.noiselens.config.JobConfigLoader;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SmallCnn;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * GPU assignment on fake resource maps (what Spark hands an executor), and the plugin in a real local-mode Spark
 * session: its executor side reports the CPU fallback and parses the job's model before the tasks ask for it.
 */
class NoiseLensPluginTest {
    static Map<String, ResourceInformation> gpus(String... addresses) {
        return Map.of("gpu", new ResourceInformation("gpu", addresses));
    }

    @Test
    void oneAddressIsPinnedThroughCudaVisibleDevices() {
        GpuAssignment plain = GpuAssignment.of(gpus("3"), null);
        assertTrue(plain.gpu());
        assertEquals(3, plain.ordinal());
        assertEquals(1, GpuAssignment.of(gpus("3"), "2,3").ordinal(), "address 3 is the second visible device");
        assertEquals(0, GpuAssignment.of(gpus("5"), "5").ordinal());
        assertEquals(0, GpuAssignment.of(gpus("5"), "GPU-8a2f").ordinal(), "an isolated container sees one device");
        assertTrue(GpuAssignment.of(gpus("1"), " 0, 1 ").message().contains("ordinal 1 within CUDA_VISIBLE_DEVICES"));
    }

    @Test
    void noGpuFallsBackAndTwoAreAnError() {
        GpuAssignment none = GpuAssignment.of(Map.of(), null);
        assertFalse(none.gpu());
        assertTrue(none.message().contains("CPU backend"));
        assertFalse(GpuAssignment.of(gpus(), null).gpu());
        String m = assertThrows(io.noiselens.lang.NoiseLensException.class, () -> GpuAssignment.of(gpus("0", "1"), null)).getMessage();
        assertTrue(m.contains("2 GPUs [0, 1]") && m.contains("spark.executor.resource.gpu.amount=1"), m);
        m = assertThrows(io.noiselens.lang.NoiseLensException.class, () -> GpuAssignment.of(gpus("4"), "0,1")).getMessage();
        assertTrue(m.contains("CUDA_VISIBLE_DEVICES=0,1"), m);
        assertThrows(io.noiselens.lang.NoiseLensException.class, () -> GpuAssignment.of(gpus("GPU-8a2f"), null));
    }

    @Test
    void thePluginFallsBackToTheCpuAndPreloadsTheModel(@TempDir Path dir) throws Exception {
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 32, 32, 5, SyntheticShapes.CLASSES, Preprocessing.identity(3));
        Path model = dir.resolve("fresh.nlm");
        ModelFile.save(model, spec, Architectures.initialWeights(spec, 987_654));
        SparkSession spark = SparkSession.builder().master("local[2]").appName("noiselens-plugin-test")
                .config("spark.ui.enabled", "false").config("spark.plugins", NoiseLensPlugin.class.getName()).getOrCreate();
        try {
            int preloadsBefore = NoiseLensPlugin.preloaded(), loadsBefore = ExecutorModelCache.loads();
            ExplainJob.Outcome o = ExplainJob.run(spark, JobConfigLoader.fromString("methods = [{kind = gradient}]",
                    List.of("run.id=plugin", "run.output=" + dir.resolve("out"), "model.path=" + model,
                            "dataset.builtin.images=4", "metrics.names=[sparseness]")));
            assertEquals(4, o.attributions());
            assertNotNull(NoiseLensPlugin.assignment(), "the executor plugin ran");
            assertFalse(NoiseLensPlugin.assignment().gpu(), "local mode has no gpu resource");
            for (int i = 0; i < 100 && NoiseLensPlugin.preloaded() == preloadsBefore; i++) Thread.sleep(50);
            assertEquals(preloadsBefore + 1, NoiseLensPlugin.preloaded(), "the plugin made the model ready");
            assertEquals(loadsBefore + 1, ExecutorModelCache.loads(), "parsed once, by the plugin or the first task");
        } finally {
            spark.stop();
        }
    }
}
