package io.noiselens.model.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.PythonFixtures;
import io.noiselens.lang.NoiseLensException;
import io.noiselens.model.ModelFile;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
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
 * for fixed inputs, in float32 and in float64. Two comparisons, each well-posed on any processor:
 * <ul>
 *   <li>the import's float64 path against PyTorch's float64 result, tightly: this is where a real translation
 *       error would show. 1e-12 relative for networks without BatchNorm (VGG-11 and SqueezeNet agree to 1e-14);
 *       1e-6 with BatchNorm, whose folding into the convolutions happens in float32 (in the exporter, or in the
 *       import from the file's float32 parameters) while PyTorch's float64 model applies it in float64: the file's
 *       effective weights differ from PyTorch's by float32 rounding (measured 5e-8 to 4e-7);</li>
 *   <li>the float32 path against PyTorch's float64 result, with a tolerance derived from the network's measured
 *       conditioning. The input gradient of a ReLU/max-pool network jumps wherever a unit crosses its kink, and on
 *       deep random-weight networks some units lie within float32 rounding of one: which side a float32 kernel lands
 *       on depends on its accumulation order, hence on the processor (PyTorch's own float32 gradients of ResNet-50
 *       differ from float64 by 1.4e-6 with oneDNN on one thread and 1.2e-2 on two). The fixture records the float64
 *       gradient's deviations under random rounding-sized perturbations of every convolution and linear output
 *       ({@code rounding_sensitivity}); the float32 gradient must lie within twice the largest of them, and within
 *       1e-4 where no perturbation reached a kink.</li>
 * </ul>
 * The fixtures are generated into {@code target/onnx-fixtures} on first use with Debian's python3-torch and
 * python3-torchvision (.ci/run installs them).
 */
class OnnxImportTest {
    static final Path FIXTURES = Path.of("target", "onnx-fixtures");
    static final List<String> ARCHS = List.of("opzoo", "tiny", "resnet18_bn", "resnet18", "resnet50", "mobilenet_v2",
            "squeezenet1_1", "densenet121", "vgg11");

    static List<String> archs() {
        return ARCHS;
    }

    @BeforeAll
    static void exportFixtures() throws IOException, InterruptedException {
        List<String> markers = ARCHS.stream().map(a -> a + ".ref.json").toList();
        PythonFixtures.generate(PythonFixtures.script("export_onnx_fixtures.py"), FIXTURES, markers, List.of());
    }

    record Reference(INDArray input, float[] logits, double[] logits64, double[] grad64, int[] targets,
                     double roundingSensitivity, boolean batchNorm) {}

    static Reference reference(String arch) throws IOException {
        JsonNode j = new ObjectMapper().readTree(FIXTURES.resolve(arch + ".ref.json").toFile());
        long[] shape = new long[4];
        for (int i = 0; i < 4; i++) shape[i] = j.get("shape").get(i).asLong();
        int[] targets = new int[j.get("targets").size()];
        for (int i = 0; i < targets.length; i++) targets[i] = j.get("targets").get(i).asInt();
        double sensitivity = 0;
        for (JsonNode d : j.get("rounding_sensitivity")) sensitivity = Math.max(sensitivity, d.asDouble());
        JsonNode f = j.get("files");
        return new Reference(Nd4j.createFromArray(floats(f.get("input").asText())).reshape(shape),
                floats(f.get("logits").asText()), doubles(f.get("logits.f64").asText()),
                doubles(f.get("grad.f64").asText()), targets, sensitivity,
                j.get("batchnorm").asBoolean());
    }

    static float[] floats(String file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(FIXTURES.resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    static double[] doubles(String file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(FIXTURES.resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[b.remaining() / 8];
        b.asDoubleBuffer().get(v);
        return v;
    }

    /** max |a − b| / max |b|: the error relative to the reference's scale. */
    static double relativeError(double[] a, double[] b) {
        assertEquals(b.length, a.length);
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        assertTrue(den > 0, "the reference is all zeros");
        return num / den;
    }

    static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    static ModelFile.Loaded load(String arch) throws IOException {
        Path file = FIXTURES.resolve(arch + ".onnx");
        return OnnxImport.load(Files.readAllBytes(file), file, OnnxImport.Options.defaults());
    }

    record Computed(double[] logits, double[] grad, double loadMs, double logitsMs, double gradMs) {}

    static Computed compute(String arch, Reference ref, DataType precision) throws IOException {
        long t0 = System.nanoTime();
        ModelFile.Loaded loaded = load(arch);
        try (SameDiffClassifier model = SameDiffClassifier.create(loaded.spec(), loaded.weights(), precision)) {
            long t1 = System.nanoTime();
            double[] logits = model.logits(ref.input()).castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
            OutputSpace[] spaces = new OutputSpace[ref.targets().length];
            Arrays.fill(spaces, OutputSpace.LOGIT);
            long t2 = System.nanoTime();
            double[] grad = model.inputGradients(ref.input(), ref.targets(), spaces).castTo(DataType.DOUBLE)
                    .reshape(-1).toDoubleVector();
            long t3 = System.nanoTime();
            return new Computed(logits, grad, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
        }
    }

    /** The float64 path computes what PyTorch computes in float64: no conditioning excuses a gap here. */
    @ParameterizedTest
    @MethodSource("archs")
    void float64LogitsAndInputGradientsMatchPyTorchFloat64(String arch) throws IOException {
        Reference ref = reference(arch);
        Computed c = compute(arch, ref, DataType.DOUBLE);
        double le = relativeError(c.logits(), ref.logits64()), ge = relativeError(c.grad(), ref.grad64());
        double tolerance = ref.batchNorm() ? 1e-6 : 1e-12;
        System.out.printf("ONNX %-14s float64: logit error %.2e  gradient error %.2e  tolerance %.0e%n", arch, le, ge,
                tolerance);
        assertTrue(le <= tolerance, arch + ": float64 logits differ from PyTorch's by " + le + " (relative)");
        assertTrue(ge <= tolerance, arch + ": float64 input gradients differ from PyTorch's by " + ge + " (relative)");
    }

    /**
     * The float32 path against PyTorch's float64 result: logits to 1e-4 (they are continuous in every activation),
     * input gradients within the network's measured rounding sensitivity (see the class comment).
     */
    @ParameterizedTest
    @MethodSource("archs")
    void float32LogitsAndInputGradientsMatchPyTorchWithinTheirConditioning(String arch) throws IOException {
        Reference ref = reference(arch);
        Computed c = compute(arch, ref, DataType.FLOAT);
        double le = relativeError(c.logits(), ref.logits64());
        double le32 = relativeError(c.logits(), toDoubles(ref.logits()));
        double ge = relativeError(c.grad(), ref.grad64());
        double tolerance = Math.max(1e-4, 2 * ref.roundingSensitivity());
        System.out.printf("ONNX %-14s float32: load+build %6.0f ms  logits %6.0f ms  gradients %6.0f ms  logit error "
                        + "%.2e (vs float64) %.2e (vs PyTorch float32)  gradient error %.2e  rounding sensitivity %.2e  "
                        + "tolerance %.2e  operators %s%n", arch, c.loadMs(), c.logitsMs(), c.gradMs(), le, le32, ge,
                ref.roundingSensitivity(), tolerance,
                new java.util.TreeSet<>(OnnxModel.parse(Files.readAllBytes(FIXTURES.resolve(arch + ".onnx"))).nodes()
                        .stream().map(OnnxModel.Node::opType).toList()));
        assertTrue(le <= 1e-4, arch + ": logits differ from PyTorch's float64 logits by " + le + " (relative)");
        assertTrue(le32 <= 1e-4, arch + ": logits differ from PyTorch's float32 logits by " + le32 + " (relative)");
        assertTrue(ge <= tolerance, arch + ": float32 input gradients differ from PyTorch's float64 ones by " + ge
                + " (relative), more than twice the largest deviation float32-sized rounding caused in float64 ("
                + ref.roundingSensitivity() + ")");
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
