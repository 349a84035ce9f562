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
 * Grad-CAM, Grad-CAM++, LayerCAM (at ResNet-18's layer3 and layer4, bilinear and nearest upsampling) and Occlusion
 * against PyTorch computing them from their definitions ({@code src/test/python/method_references.py}: hooks on the
 * torchvision modules, F.interpolate, a sliding zero window) on the same ResNet-18 exported to ONNX and imported by
 * the real loader, on both engines. The layers are addressed by their PyTorch module names.
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
    void camFamilyAndOcclusionMatchPyTorch(Backend backend) throws IOException {
        Path file = FIXTURES.resolve("resnet18_cam.onnx");
        ModelFile.Loaded loaded = OnnxImport.load(Files.readAllBytes(file), file, OnnxImport.Options.defaults());
        int size = refs.get("size").asInt(), image = 3 * size * size;
        float[] all = floats("resnet18_cam.input.f32");
        List<float[]> xs = List.of(java.util.Arrays.copyOfRange(all, 0, image), java.util.Arrays.copyOfRange(all, image, 2 * image));
        int[] labels = {refs.get("targets").get(0).asInt(), refs.get("targets").get(1).asInt()};
        List<AttributionMethod> methods = new ArrayList<>();
        List<String> names = new ArrayList<>();
        refs.get("files").fieldNames().forEachRemaining(name -> {
            String[] p = name.split("@");
            methods.add(p[0].equals("occlusion")
                    ? MethodCatalogue.method("occlusion", "window", Integer.parseInt(p[1]), "stride", Integer.parseInt(p[2]),
                    "target", "label", "channel_reduction", "none", "id", name)
                    : MethodCatalogue.method(p[0], "layer", p[1], "upsample", p[2], "target", "label", "id", name));
            names.add(name);
        });
        try (ClassifierModel model = backend.create(loaded.spec(), loaded.weights())) {
            Explanation e = new AttributionEngine(model, EngineOptions.defaults(1))
                    .explain(new ExplainBatch(List.of("a", "b"), xs, labels), methods);
            java.util.Map<String, Double> scale = new java.util.HashMap<>();
            for (AttributionResult r : e.results()) {
                String name = r.method().id();
                float[] ref = floats(refs.get("files").get(name).asText());
                int n = ref.length / 2;
                double num = 0, den = 0;
                for (int i = 0; i < n; i++) {
                    num = Math.max(num, Math.abs(r.map()[i] - ref[r.index() * n + i]));
                    den = Math.max(den, Math.abs(ref[r.index() * n + i]));
                }
                assertEquals(n, r.map().length, name);
                scale.merge(name, den, Math::max);
                System.out.printf("pytorch %-6s %-40s image %d: max |Δ| / max |ref| = %.2e%n", backend, name, r.index(), num / den);
                assertTrue(num <= 1e-4 * Math.max(den, 1e-30), backend + " " + name + " image " + r.index() + ": relative error " + num / den);
            }
            assertEquals(2 * names.size(), e.results().size());
            // A ReLU'd map may be zero on one image (no positive evidence), not on both: the check must see values.
            for (String name : names) assertTrue(scale.get(name) > 0, name + ": both reference maps are zero");
        }
    }
}
