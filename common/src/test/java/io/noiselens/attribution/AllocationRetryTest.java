package io.noiselens.attribution;

import io.noiselens.methods.Methods;
import io.noiselens.model.Architectures;
import io.noiselens.model.DeviceErrors;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.SmallCnn;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A model call that cannot allocate its memory is retried in halves, with the same maps: a fresh JVM whose host
 * memory limit (libnd4j's device limit, 80 MB) is too small for a 128-row call explains 128 images and must give
 * exactly the maps this JVM computes unconstrained, saying in its log that it halved. Also the error
 * classification on the messages the backends give.
 */
class AllocationRetryTest {
    static final ModelSpec SPEC = new ModelSpec(SmallCnn.NAME, 3, 64, 64, 4, Collections.nCopies(4, "k"),
            Preprocessing.identity(3));
    static final int ROWS = 128;

    /**
     * Explains ROWS keyed-random images with Gradient in one micro-batch under a memory limit of args[1] bytes;
     * writes the final call size and the maps to args[0].
     */
    public static void main(String[] args) throws Exception {
        // libnd4j's own host-memory limit: allocations past it fail as a full device would.
        org.nd4j.linalg.factory.Nd4j.getEnvironment().setDeviceLimit(0, Long.parseLong(args[1]));
        List<float[]> maps = explain();
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(Path.of(args[0])))) {
            out.writeInt(lastRowsPerCall);
            for (float[] m : maps) for (float v : m) out.writeFloat(v);
        }
    }

    static int lastRowsPerCall;

    static List<float[]> explain() {
        ModelWeights w = Architectures.initialWeights(SPEC, 5);
        List<String> ids = new ArrayList<>();
        List<float[]> xs = new ArrayList<>();
        int[] labels = new int[ROWS];
        for (int b = 0; b < ROWS; b++) {
            float[] x = new float[SPEC.inputSize()];
            KeyedRandom.fillGaussian(4000 + b, x, 0, x.length);
            ids.add("img" + b);
            xs.add(x);
            labels[b] = b % 4;
        }
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            AttributionEngine engine = new AttributionEngine(model, new EngineOptions(77, ROWS, 1L << 40));
            List<float[]> maps = new ArrayList<>();
            for (AttributionResult r : engine.explain(new ExplainBatch(ids, xs, labels),
                    List.of(Methods.builder("gradient").build())).results()) {
                maps.add(r.map());
            }
            lastRowsPerCall = engine.rowsPerCall();
            return maps;
        }
    }

    @Test
    void aCallThatCannotAllocateIsRetriedInHalvesWithTheSameMaps(@TempDir Path dir) throws Exception {
        List<float[]> expected = explain();
        assertEquals(ROWS, lastRowsPerCall, "unconstrained, one call of every row");
        Path out = dir.resolve("maps.bin"), log = dir.resolve("child.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Dorg.bytedeco.javacpp.platform")) cmd.add(a);
        }
        cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), AllocationRetryTest.class.getName(),
                out.toString(), String.valueOf(80_000_000L)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int rc = p.waitFor();
        String text = Files.readString(log);
        assertEquals(0, rc, text.length() > 4000 ? text.substring(text.length() - 4000) : text);
        assertTrue(text.contains("could not allocate its memory"), "the child never ran out of memory: " + text);
        try (DataInputStream in = new DataInputStream(Files.newInputStream(out))) {
            int rowsPerCall = in.readInt();
            assertTrue(rowsPerCall < ROWS, "rows per call " + rowsPerCall);
            System.out.printf("128-row model calls under an 80 MB host memory limit: retried down to %d rows per call%n",
                    rowsPerCall);
            for (float[] m : expected) for (float v : m) assertEquals(v, in.readFloat(), 0f);
        }
    }

    @Test
    void backendErrorsAreClassified() {
        assertTrue(DeviceErrors.isAllocationFailure(new OutOfMemoryError("Cannot allocate new FloatPointer(8388608)")));
        assertTrue(DeviceErrors.isAllocationFailure(new RuntimeException("op failed",
                new RuntimeException("cudaErrorMemoryAllocation: out of memory"))));
        assertFalse(DeviceErrors.isAllocationFailure(new IllegalArgumentException("Target class 9 outside [0, 4)")));
        assertTrue(DeviceErrors.isFatal(new RuntimeException("cudaErrorIllegalAddress: an illegal memory access was encountered")));
        assertFalse(DeviceErrors.isFatal(new OutOfMemoryError("Java heap space")));
    }
}
