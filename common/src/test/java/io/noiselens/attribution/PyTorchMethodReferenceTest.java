package io.noiselens.attribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.PythonFixtures;
import io.noiselens.methods.MethodCatalogue;
import io.noiselens.model.Backend;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelFile;
import io.noiselens.model.onnx.OnnxImport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Grad-CAM, Grad-CAM++, LayerCAM (at ResNet-18's layer3 and layer4, bilinear and nearest upsampling), Occlusion, LRP
 * (EpsilonPlusFlat, EpsilonGammaBox) and DeepLift against PyTorch computing them from their definitions
 * ({@code src/test/python/method_references.py}: hooks on the torchvision modules, F.interpolate, a sliding zero
 * window, layer-by-layer relevance propagation over the BatchNorm-folded network in float64, a secant autograd
 * function at each ReLU) on the same ResNet-18 exported to ONNX and imported by the real loader, on both engines.
 * The CAM layers are addressed by their PyTorch module names.
 */
class PyTorchMethodReferenceTest {
    static final Path FIXTURES = Path.of("target", "method-fixtures");
    static JsonNode refs;

    @BeforeAll
    static void export() throws IOException, InterruptedException {
        PythonFixtures.generate(PythonFixtures.script("method_references.py"), FIXTURES,
                List.of("method_refs.json", "resnet18_cam.onnx"), List.of());
        refs = new ObjectMapper().readTree(FIXTURES.resolve("method_refs.json").toFile());
    }

    static float[] floats(String file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(FIXTURES.resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void everyMethodMatchesPyTorch(Backend backend) throws IOException {
        ModelFile.Loaded loaded = load();
        try (ClassifierModel model = backend.create(loaded.spec(), loaded.weights())) {
            compare(model, backend.toString(), 1e-4, n -> true);
        }
    }

    /** The propagation methods in float64 on the torch engine: the rules themselves, without float32's rounding. */
    @org.junit.jupiter.api.Test
    void propagationMatchesPyTorchInFloat64() throws IOException {
        ModelFile.Loaded loaded = load();
        try (ClassifierModel model = io.noiselens.model.torch.TorchClassifier.float64(loaded.spec(), loaded.weights())) {
            // The reference folds BatchNorm in float32 as torch does, the import in float64: weights one ulp apart.
            compare(model, "TORCH float64", 1e-5, name -> name.startsWith("lrp") || name.startsWith("deeplift"));
        }
    }

    /**
     * The CAM family at a vision transformer's encoder block, its patch tokens read as a map (pytorch-grad-cam's
     * reshape_transform: class token dropped, 4×4 grid) — against PyTorch hooks on the torchvision module.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void camAtAVisionTransformerBlockMatchesPyTorch(Backend backend) throws IOException {
        Path file = FIXTURES.resolve("vit_cam.onnx");
        ModelFile.Loaded loaded = OnnxImport.load(Files.readAllBytes(file), file, OnnxImport.Options.defaults());
        int image = 3 * 32 * 32;
        float[] all = floats("vit_cam.input.f32");
        List<float[]> xs = List.of(java.util.Arrays.copyOfRange(all, 0, image), java.util.Arrays.copyOfRange(all, image, 2 * image));
        int[] labels = {refs.get("targets").get(0).asInt(), refs.get("targets").get(1).asInt()};
        List<AttributionMethod> methods = new ArrayList<>();
        refs.get("vit_files").fieldNames().forEachRemaining(name -> {
            String[] p = name.split("@");
            methods.add(MethodCatalogue.method(p[1], "layer", p[2], "upsample", p[3], "target", "label", "id", name));
        });
        assertEquals(6, methods.size());
        try (ClassifierModel model = backend.create(loaded.spec(), loaded.weights())) {
            AttributionEngine engine = new AttributionEngine(model, EngineOptions.defaults(1));
            for (AttributionResult r : engine.explain(new ExplainBatch(List.of("a", "b"), xs, labels), methods).results()) {
                float[] ref = floats(refs.get("vit_files").get(r.method().id()).asText());
                int n = ref.length / 2;
                double[] d = difference(r, ref, n);
                double num = d[0], den = d[1];
                System.out.printf("pytorch %-13s %-40s image %d: max |Δ| / max |ref| = %.2e%n", backend, r.method().id(),
                        r.index(), num / Math.max(den, 1e-30));
                assertTrue(den > 0, r.method().id() + " image " + r.index() + ": the reference map is zero");
                assertTrue(num <= 1e-4 * den, backend + " " + r.method().id() + ": " + num / den);
            }
            // With no layer named: the model's last map-shaped module, resolved and recorded.
            AttributionResult d = engine.explain(new ExplainBatch(List.of("a"), List.of(xs.get(0)), new int[]{0}),
                    List.of(MethodCatalogue.method("gradcam"))).results().get(0);
            System.out.println("vit default CAM layer: " + d.details().get(AttributionResult.LAYER));
            assertEquals("encoder.layers.encoder_layer_1.ln_1", d.details().get(AttributionResult.LAYER));
        }
    }

    /** {max |map − ref|, max |ref|} of result r against its image's n values in a two-image reference. */
    static double[] difference(AttributionResult r, float[] ref, int n) {
        double num = 0, den = 0;
        for (int i = 0; i < n; i++) {
            num = Math.max(num, Math.abs(r.map()[i] - ref[r.index() * n + i]));
            den = Math.max(den, Math.abs(ref[r.index() * n + i]));
        }
        return new double[]{num, den};
    }

    static ModelFile.Loaded load() throws IOException {
        Path file = FIXTURES.resolve("resnet18_cam.onnx");
        return OnnxImport.load(Files.readAllBytes(file), file, OnnxImport.Options.defaults());
    }

    static void compare(ClassifierModel model, String engine, double tolerance, java.util.function.Predicate<String> which)
            throws IOException {
        int size = refs.get("size").asInt(), image = 3 * size * size;
        float[] all = floats("resnet18_cam.input.f32");
        List<float[]> xs = List.of(java.util.Arrays.copyOfRange(all, 0, image), java.util.Arrays.copyOfRange(all, image, 2 * image));
        int[] labels = {refs.get("targets").get(0).asInt(), refs.get("targets").get(1).asInt()};
        List<AttributionMethod> methods = new ArrayList<>();
        List<String> names = new ArrayList<>();
        refs.get("files").fieldNames().forEachRemaining(name -> {
            if (!which.test(name)) return;
            String[] p = name.split("@");
            methods.add(switch (p[0]) {
                case "occlusion" -> MethodCatalogue.method("occlusion", "window", Integer.parseInt(p[1]), "stride",
                        Integer.parseInt(p[2]), "target", "label", "channel_reduction", "none", "id", name);
                case "lrp" -> MethodCatalogue.method("lrp", "composite", p[1], "target", "label", "channel_reduction", "none",
                        "id", name);
                case "deeplift" -> MethodCatalogue.method("deeplift", "baseline", p[1], "target", "label",
                        "channel_reduction", "none", "id", name);
                default -> MethodCatalogue.method(p[0], "layer", p[1], "upsample", p[2], "target", "label", "id", name);
            });
            names.add(name);
        });
        {
            Explanation e = new AttributionEngine(model, EngineOptions.defaults(1))
                    .explain(new ExplainBatch(List.of("a", "b"), xs, labels), methods);
            java.util.Map<String, Double> scale = new java.util.HashMap<>();
            for (AttributionResult r : e.results()) {
                String name = r.method().id();
                float[] ref = floats(refs.get("files").get(name).asText());
                int n = ref.length / 2;
                double[] d = difference(r, ref, n);
                double num = d[0], den = d[1];
                assertEquals(n, r.map().length, name);
                scale.merge(name, den, Math::max);
                double error = num / Math.max(den, 1e-30);
                System.out.printf("pytorch %-13s %-40s image %d: max |Δ| / max |ref| = %.2e%n", engine, name, r.index(), error);
                assertTrue(error <= tolerance, engine + " " + name + " image " + r.index() + ": relative error " + error);
            }
            assertEquals(2 * names.size(), e.results().size());
            // A ReLU'd map may be zero on one image (no positive evidence), not on both: the check must see values.
            for (String name : names) assertTrue(scale.get(name) > 0, name + ": both reference maps are zero");
        }
    }
}
