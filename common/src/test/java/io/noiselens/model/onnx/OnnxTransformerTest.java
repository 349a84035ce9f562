package io.noiselens.model.onnx;

import io.noiselens.PythonFixtures;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelFile;
import io.noiselens.model.NativeArrays;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.SameDiffClassifier;
import org.nd4j.linalg.api.buffer.DataType;
import io.noiselens.model.torch.TorchClassifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static io.noiselens.model.onnx.OnnxImportTest.FIXTURES;
import static io.noiselens.model.onnx.OnnxImportTest.relativeError;
import static io.noiselens.model.onnx.OnnxImportTest.toDoubles;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The torchvision families of issue 15 exported by PyTorch with a dynamic batch axis — {@code VisionTransformer},
 * {@code ConvNeXt} and {@code SwinTransformer} at opsets 13 and 17 (attention through nn.MultiheadAttention, Swin's
 * shifted windows with their masks and relative-position tables, LayerNorm decomposed at 13 and one
 * LayerNormalization at 17), MaxViT (Einsum attention, block and grid partitions), RegNet, ShuffleNetV2 (channel
 * shuffle and Split), EfficientNet v1 and v2 and MobileNetV3 — in small configurations of torchvision's own classes, so the exports take the code paths of the
 * full-size models, with every parameter randomised (BatchNorm statistics measured on random inputs, as training
 * leaves them, so that the input gradients are of ordinary size); imported and run on both engines against PyTorch's own logits
 * and input gradients: in float64 within 1e-5 (the import computes the same function), in float32 within the
 * network's measured rounding sensitivity (the errors are printed).
 */
class OnnxTransformerTest {
    static final List<String> ARCHS = List.of("vit", "vit_17", "convnext", "convnext_17", "swin", "swin_17",
            "regnet", "shufflenet", "efficientnet", "efficientnet_v2", "mobilenet_v3", "maxvit");
    /** The families whose exports need the general operators (the others are within the CNN set). */
    static final java.util.Set<String> GENERAL = java.util.Set.of("vit", "vit_17", "convnext", "convnext_17", "swin",
            "swin_17", "shufflenet", "maxvit");

    static List<String> archs() {
        return ARCHS;
    }

    @BeforeAll
    static void exportFixtures() throws IOException, InterruptedException {
        PythonFixtures.generate(PythonFixtures.script("export_onnx_fixtures.py"), FIXTURES,
                ARCHS.stream().map(a -> a + ".ref.json").toList(), ARCHS);
    }

    private static double[][] logitsAndGradients(ClassifierModel model, OnnxImportTest.Reference ref) {
        OutputSpace[] spaces = new OutputSpace[ref.targets().length];
        Arrays.fill(spaces, OutputSpace.LOGIT);
        return new double[][]{toDoubles(NativeArrays.drainFloats(model.logits(ref.input()))),
                toDoubles(NativeArrays.drainFloats(model.inputGradients(ref.input(), ref.targets(), spaces)))};
    }

    @ParameterizedTest
    @MethodSource("archs")
    void torchEngineMatchesPyTorch(String arch) throws IOException {
        OnnxImportTest.Reference ref = OnnxImportTest.reference(arch);
        ModelFile.Loaded loaded = OnnxImportTest.load(arch);
        assertEquals(GENERAL.contains(arch), ((OnnxArchitecture) loaded.spec().network()).needsGeneralOperators(), arch);
        double[][] f64, f32;
        try (TorchClassifier model = TorchClassifier.float64(loaded.spec(), loaded.weights())) {
            f64 = logitsAndGradients(model, ref);
        }
        try (TorchClassifier model = new TorchClassifier(loaded.spec(), loaded.weights())) {
            f32 = logitsAndGradients(model, ref);
        }
        double le64 = relativeError(f64[0], ref.logits64()), ge64 = relativeError(f64[1], ref.grad64());
        double le32 = relativeError(f32[0], ref.logits64()), ge32 = relativeError(f32[1], ref.grad64());
        double tolerance = Math.max(1e-4, 2 * ref.roundingSensitivity());
        System.out.printf("ONNX %-12s torch engine: float64 logits %.1e gradients %.1e | float32 logits %.1e "
                + "gradients %.1e (rounding sensitivity %.1e) | gradient scale %.1e%n", arch, le64, ge64, le32, ge32,
                ref.roundingSensitivity(), Arrays.stream(ref.grad64()).map(Math::abs).max().orElse(0));
        assertTrue(le64 <= 1e-5 && ge64 <= 1e-5, arch + " float64: logits " + le64 + ", gradients " + ge64);
        assertTrue(le32 <= 1e-4 && ge32 <= tolerance, arch + " float32: logits " + le32 + ", gradients " + ge32);
        assertTrue(Arrays.stream(ref.grad64()).map(Math::abs).max().orElse(0) > 1e-4, "gradients of ordinary size");
    }

    /** The same graphs on the ND4J engine (SameDiff, its autodiff for the input gradients). */
    @ParameterizedTest
    @MethodSource("archs")
    void nd4jEngineMatchesPyTorch(String arch) throws IOException {
        OnnxImportTest.Reference ref = OnnxImportTest.reference(arch);
        ModelFile.Loaded loaded = OnnxImportTest.load(arch);
        double[][] f64, f32;
        try (SameDiffClassifier model = SameDiffClassifier.create(loaded.spec(), loaded.weights(), DataType.DOUBLE)) {
            f64 = logitsAndGradients(model, ref);
        }
        try (SameDiffClassifier model = SameDiffClassifier.create(loaded.spec(), loaded.weights())) {
            f32 = logitsAndGradients(model, ref);
        }
        double le64 = relativeError(f64[0], ref.logits64()), ge64 = relativeError(f64[1], ref.grad64());
        double le32 = relativeError(f32[0], ref.logits64()), ge32 = relativeError(f32[1], ref.grad64());
        double tolerance = Math.max(1e-4, 2 * ref.roundingSensitivity());
        System.out.printf("ONNX %-12s ND4J engine:  float64 logits %.1e gradients %.1e | float32 logits %.1e "
                + "gradients %.1e (rounding sensitivity %.1e)%n", arch, le64, ge64, le32, ge32, ref.roundingSensitivity());
        assertTrue(le64 <= 1e-5 && ge64 <= 1e-5, arch + " float64: logits " + le64 + ", gradients " + ge64);
        assertTrue(le32 <= 1e-4 && ge32 <= tolerance, arch + " float32: logits " + le32 + ", gradients " + ge32);
    }

    /**
     * Layers carry PyTorch's module names (scoped nodes name their modules, weights named onnx::… take the node's),
     * and a probe at an encoder block gives the same features and vector–Jacobian products on both engines.
     */
    @Test
    void layersAreAddressedByModuleNames() throws IOException {
        ModelFile.Loaded vit = OnnxImportTest.load("vit");
        List<String> names = io.noiselens.model.Architectures.layerNames(vit.spec());
        assertEquals("conv_proj", names.get(0), names.toString());
        assertTrue(names.containsAll(List.of("encoder.layers.encoder_layer_0", "encoder.layers.encoder_layer_1",
                "encoder.layers.encoder_layer_0.self_attention", "encoder.layers.encoder_layer_1.mlp.0", "encoder")), names.toString());
        assertEquals("features.1.0.attn", OnnxArchitecture.modulePath("/features/features.1/features.1.0/attn/Shape_4"));
        assertEquals("encoder.layers.encoder_layer_0.mlp.0",
                OnnxArchitecture.modulePath("/encoder/layers/encoder_layer_0/mlp/mlp.0/MatMul"));
        assertEquals("", OnnxArchitecture.modulePath("Conv_12"));
        float[] x = new float[vit.spec().inputSize()];
        io.noiselens.random.KeyedRandom.fillGaussian(3, x, 0, x.length);
        try (TorchClassifier torch = new TorchClassifier(vit.spec(), vit.weights());
             SameDiffClassifier nd4j = SameDiffClassifier.create(vit.spec(), vit.weights());
             io.noiselens.model.LayerProbe a = torch.probe("encoder.layers.encoder_layer_1");
             io.noiselens.model.LayerProbe b = nd4j.probe("encoder.layers.encoder_layer_1")) {
            assertEquals(17 * 16, a.featureSize(), "[tokens, hidden] of one image");
            assertEquals(a.featureSize(), b.featureSize());
            float[] fa = a.features(List.of(x))[0], fb = b.features(List.of(x))[0];
            assertTrue(relativeError(toDoubles(fa), toDoubles(fb)) < 1e-5);
            float[] v = new float[a.featureSize()];
            io.noiselens.random.KeyedRandom.fillGaussian(4, v, 0, v.length);
            float[] ja = a.vectorJacobian(List.of(x), List.of(v))[0], jb = b.vectorJacobian(List.of(x), List.of(v))[0];
            double e = relativeError(toDoubles(ja), toDoubles(jb));
            assertTrue(e < 1e-4 && Arrays.stream(toDoubles(ja)).map(Math::abs).max().orElse(0) > 0, "VJP " + e);
        }
    }

    @Test
    void cnnGraphsKeepTheCnnPath() throws IOException, InterruptedException {
        OnnxImportTest.exportFixtures();
        assertFalse(((OnnxArchitecture) OnnxImportTest.load("resnet18").spec().network()).needsGeneralOperators());
    }
}
