package io.noiselens.model.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.PythonFixtures;
import io.noiselens.config.NoiseLensException;
import io.noiselens.model.ModelFile;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ONNX import against PyTorch itself: {@code src/test/python/export_onnx_fixtures.py} exports torchvision
 * architectures (random initialisation, randomised BatchNorm statistics) with PyTorch's logits and input gradients
 * for fixed inputs; the imported SameDiff graph must agree to 1e-4 (logits) and 1e-3 (gradients), relative to the
 * largest reference value. The gradient may match PyTorch's float32 or its float64 result: in a ReLU network some
 * pre-activations lie within float32 rounding of zero, and any float32 implementation can land on either side of
 * those kinks (VGG-11's float32 and float64 gradients differ by 4e-2 in PyTorch itself). The fixtures are generated into {@code target/onnx-fixtures} on first use with Debian's
 * python3-torch and python3-torchvision (.ci/run installs them).
 */
class OnnxImportTest {
    static final Path FIXTURES = Path.of("target", "onnx-fixtures");
    static final List<String> ARCHS = List.of("opzoo", "tiny", "resnet18_bn", "resnet18", "resnet50", "mobilenet_v2",
            "squeezenet1_1", "densenet121", "vgg11");

    @BeforeAll
    static void exportFixtures() throws IOException, InterruptedException {
        List<String> markers = ARCHS.stream().map(a -> a + ".ref.json").toList();
        PythonFixtures.generate(PythonFixtures.script("export_onnx_fixtures.py"), FIXTURES, markers, List.of());
    }

    record Reference(INDArray input, float[] logits, float[] grad, float[] grad64, int[] targets) {}

    static Reference reference(String arch) throws IOException {
        JsonNode j = new ObjectMapper().readTree(FIXTURES.resolve(arch + ".ref.json").toFile());
        long[] shape = new long[4];
        for (int i = 0; i < 4; i++) shape[i] = j.get("shape").get(i).asLong();
        int[] targets = new int[j.get("targets").size()];
        for (int i = 0; i < targets.length; i++) targets[i] = j.get("targets").get(i).asInt();
        JsonNode f = j.get("files");
        return new Reference(Nd4j.createFromArray(floats(f.get("input").asText())).reshape(shape),
                floats(f.get("logits").asText()), floats(f.get("grad").asText()), floats(f.get("grad.f64").asText()),
                targets);
    }

    static float[] floats(String file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(FIXTURES.resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    /** max |a − b| / max |b|: the error relative to the reference's scale. */
    static double relativeError(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        assertTrue(den > 0, "the reference is all zeros");
        return num / den;
    }

    static ModelFile.Loaded load(String arch) throws IOException {
        Path file = FIXTURES.resolve(arch + ".onnx");
        return OnnxImport.load(Files.readAllBytes(file), file, OnnxImport.Options.defaults());
    }

    @ParameterizedTest
    @ValueSource(strings = {"opzoo", "tiny", "resnet18_bn", "resnet18", "resnet50", "mobilenet_v2", "squeezenet1_1",
            "densenet121", "vgg11"})
    void logitsAndInputGradientsMatchPyTorch(String arch) throws IOException {
        Reference ref = reference(arch);
        long t0 = System.nanoTime();
        ModelFile.Loaded loaded = load(arch);
        try (SameDiffClassifier model = SameDiffClassifier.create(loaded.spec(), loaded.weights())) {
            long t1 = System.nanoTime();
            float[] logits = model.logits(ref.input()).castTo(DataType.FLOAT).reshape(-1).toFloatVector();
            OutputSpace[] spaces = new OutputSpace[ref.targets().length];
            Arrays.fill(spaces, OutputSpace.LOGIT);
            long t2 = System.nanoTime();
            float[] grad = model.inputGradients(ref.input(), ref.targets(), spaces).castTo(DataType.FLOAT)
                    .reshape(-1).toFloatVector();
            long t3 = System.nanoTime();
            double le = relativeError(logits, ref.logits());
            double ge32 = relativeError(grad, ref.grad()), ge64 = relativeError(grad, ref.grad64());
            double ge = Math.min(ge32, ge64);
            System.out.printf("ONNX %-14s %,12d params  load+build %6.0f ms  logits %6.0f ms  gradients %6.0f ms  "
                            + "logit error %.2e  gradient error %.2e (float32) %.2e (float64)  operators %s%n", arch,
                    loaded.weights().trainableCount(), (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, le, ge32, ge64,
                    new java.util.TreeSet<>(OnnxModel.parse(Files.readAllBytes(FIXTURES.resolve(arch + ".onnx"))).nodes()
                            .stream().map(OnnxModel.Node::opType).toList()));
            assertTrue(le <= 1e-4, arch + ": logits differ from PyTorch's by " + le + " (relative)");
            assertTrue(ge <= 1e-3, arch + ": input gradients differ from PyTorch's by " + ge + " (relative)");
        }
    }

    /** The input-only reverse pass of every imported graph equals SameDiff's autodiff of the same graph. */
    @ParameterizedTest
    @ValueSource(strings = {"opzoo", "tiny", "resnet18_bn", "mobilenet_v2", "squeezenet1_1", "densenet121"})
    void inputOnlyPassEqualsAutodiff(String arch) throws IOException {
        ModelFile.Loaded loaded = load(arch);
        double e = io.noiselens.model.GradientPassTest.compare(loaded.spec(), loaded.weights(), 3, 23);
        assertTrue(e <= 1e-5, arch + ": input-only and autodiff gradients differ by " + e + " (relative)");
    }

    @Test
    void batchNormNodesAreFoldedWithTheirParametersKeptApart() throws IOException {
        ModelFile.Loaded loaded = load("resnet18_bn");
        Tensor gamma = loaded.weights().get("conv1.bn.gamma");
        Tensor mean = loaded.weights().get("conv1.bn.running_mean");
        assertTrue(gamma.trainable(), "γ is a parameter: weight-noise replicas perturb it");
        assertFalse(mean.trainable(), "running statistics are buffers: replicas leave them alone");
        assertArrayEquals(new long[]{7, 7, 3, 64}, loaded.weights().get("conv1.weight").shape(), "YXIO layout");
        assertEquals("onnx:resnet18_bn", loaded.spec().architecture());
        assertEquals(10, loaded.spec().numClasses());
        assertEquals("class_9", loaded.spec().classNames().get(9));
        assertArrayEquals(OnnxImport.IMAGENET_MEAN, loaded.spec().preprocessing().mean());
        assertTrue(((OnnxArchitecture) loaded.spec().graph()).softmaxStripped() == false);
        assertTrue(((OnnxArchitecture) load("opzoo").spec().graph()).softmaxStripped());
    }

    @Test
    void classNamesAndNormalisationComeFromTheOptions() throws IOException {
        Path file = FIXTURES.resolve("opzoo.onnx");
        byte[] bytes = Files.readAllBytes(file);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 10; i++) names.add("k" + i);
        OnnxImport.Options o = new OnnxImport.Options(names, new float[]{0.5f, 0.5f, 0.5f}, new float[]{0.25f, 0.25f, 0.25f});
        ModelFile.Loaded l = OnnxImport.load(bytes, file, o);
        assertEquals(names, l.spec().classNames());
        assertArrayEquals(new float[]{0.25f, 0.25f, 0.25f}, l.spec().preprocessing().std());
        assertEquals(ModelFile.sha256(bytes), l.sha256());
        String m = assertThrows(NoiseLensException.class, () -> OnnxImport.load(bytes, file,
                new OnnxImport.Options(names.subList(0, 3), null, null))).getMessage();
        assertTrue(m.contains("model.classes") && m.contains("10 outputs"), m);
        m = assertThrows(NoiseLensException.class, () -> OnnxImport.load(bytes, file,
                new OnnxImport.Options(List.of(), new float[]{0.5f}, null))).getMessage();
        assertTrue(m.contains("model.mean") && m.contains("3 channels"), m);
    }

    @Test
    void aTruncatedFileIsRefusedWithItsName() throws IOException {
        Path file = FIXTURES.resolve("opzoo.onnx");
        byte[] bytes = Files.readAllBytes(file);
        byte[] cut = Arrays.copyOf(bytes, bytes.length / 2);
        String m = assertThrows(NoiseLensException.class, () -> OnnxImport.load(cut, file, OnnxImport.Options.defaults()))
                .getMessage();
        assertTrue(m.contains("opzoo.onnx") && m.contains("ONNX"), m);
    }
}
