package io.noiselens.model.torch;

import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.Architectures;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.NativeArrays;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.noise.WeightNoise;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The torch engine computes what the ND4J engine computes, architecture by architecture (the built-in ones; the
 * imported ONNX graphs are checked against PyTorch in {@code OnnxTorchEngineTest}): logits and input gradients of
 * every output space within float32 tolerance of each other, on the clean weights and on a weight-noise replica
 * (the same keyed numbers written into either engine).
 */
class TorchClassifierTest {
    static final double TOLERANCE = 1e-4;

    static double relativeError(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        assertTrue(den > 0, "all zeros");
        return num / den;
    }

    static void assertEngines(ClassifierModel reference, ClassifierModel model, INDArray x, String what) {
        int n = (int) x.size(0), k = model.spec().numClasses();
        double le = relativeError(NativeArrays.drainFloats(model.logits(x)), NativeArrays.drainFloats(reference.logits(x)));
        assertTrue(le <= TOLERANCE, what + ": logits differ by " + le);
        for (OutputSpace space : OutputSpace.values()) {
            int[] targets = new int[n];
            OutputSpace[] spaces = new OutputSpace[n];
            for (int i = 0; i < n; i++) {
                targets[i] = (3 * i + 1) % k;
                spaces[i] = space;
            }
            double ge = relativeError(NativeArrays.drainFloats(model.inputGradients(x, targets, spaces)),
                    NativeArrays.drainFloats(reference.inputGradients(x, targets, spaces)));
            System.out.printf("torch engine %-34s %-16s logits %.1e  gradients %.1e%n", what, space, le, ge);
            assertTrue(ge <= TOLERANCE, what + " " + space + ": input gradients differ by " + ge);
        }
        // One pass for both, as the engine's estimators ask.
        int[] targets = new int[n];
        OutputSpace[] mixed = new OutputSpace[n];
        for (int i = 0; i < n; i++) mixed[i] = OutputSpace.values()[i % 3];
        ClassifierModel.Pass p = model.logitsAndInputGradients(x, targets, mixed);
        assertEquals(0, relativeError(NativeArrays.drainFloats(p.logits()), NativeArrays.drainFloats(model.logits(x))),
                1e-6, what + ": the pass's logits");
        double ge = relativeError(NativeArrays.drainFloats(p.gradients()),
                NativeArrays.drainFloats(reference.inputGradients(x, targets, mixed)));
        assertTrue(ge <= TOLERANCE, what + " mixed spaces: " + ge);
    }

    @ParameterizedTest(name = "{0} {1}×{2}×{2}")
    @CsvSource({"small_cnn, 3, 32", "fashion_cnn, 1, 28", "mlp, 1, 8", "linear, 1, 5", "resnet18, 3, 32", "resnet50, 3, 32"})
    void builtInArchitecturesMatchTheNd4jEngine(String arch, int channels, int size) {
        int classes = 5;
        ModelSpec spec = new ModelSpec(arch, channels, size, size, classes, Collections.nCopies(classes, "c"),
                Preprocessing.identity(channels));
        ModelWeights w = Architectures.initialWeights(spec, 17);
        float[] v = new float[3 * channels * size * size];
        KeyedRandom.fillGaussian(5, v, 0, v.length);
        INDArray x = NativeArrays.of(v, 3, channels, size, size);
        try (SameDiffClassifier nd4j = SameDiffClassifier.create(spec, w); TorchClassifier torch = new TorchClassifier(spec, w)) {
            assertEquals(nd4j.activationFloatsPerImage(), torch.activationFloatsPerImage(), "the same memory estimate");
            assertEngines(nd4j, torch, x, arch);
            ModelWeights replica = new WeightNoise(0.2).replica(w, 3, 7);
            nd4j.setWeights(replica);
            torch.setWeights(replica);
            assertEngines(nd4j, torch, x, arch + " replica");
            org.junit.jupiter.api.Assertions.assertSame(replica, torch.weights());
        } finally {
            NativeArrays.close(x);
        }
    }

    /**
     * The explanation attacks' softplus surrogate on the torch engine equals the ND4J one (torch's softplus turns
     * linear above βx = 20, where the difference is below e^−20), and it is not the ReLU network it stands for.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"small_cnn, 3, 32", "resnet18, 3, 32"})
    void smoothedModelsMatchTheNd4jEngine(String arch, int channels, int size) {
        ModelSpec spec = new ModelSpec(arch, channels, size, size, 5, Collections.nCopies(5, "c"),
                Preprocessing.identity(channels));
        ModelWeights w = Architectures.initialWeights(spec, 8);
        float[] v = new float[2 * spec.inputSize()];
        KeyedRandom.fillGaussian(9, v, 0, v.length);
        INDArray x = NativeArrays.of(v, 2, channels, size, size);
        try (SameDiffClassifier nd4j = SameDiffClassifier.create(spec, w); TorchClassifier torch = new TorchClassifier(spec, w);
             ClassifierModel a = nd4j.smoothed(10); ClassifierModel b = torch.smoothed(10)) {
            assertEngines(a, b, x, arch + " softplus β=10");
            assertTrue(relativeError(NativeArrays.drainFloats(b.logits(x)), NativeArrays.drainFloats(torch.logits(x))) > 1e-3,
                    "softplus changes the logits");
        } finally {
            NativeArrays.close(x);
        }
    }

    /** DANCE's probe on the torch engine equals the ND4J one: features and vector–Jacobian products at a layer. */
    @ParameterizedTest(name = "{0} at {3}")
    @CsvSource({"small_cnn, 3, 32, conv2", "small_cnn, 3, 32, fc", "resnet18, 3, 32, layer2.0.conv1"})
    void layerProbesMatchTheNd4jEngine(String arch, int channels, int size, String layer) {
        ModelSpec spec = new ModelSpec(arch, channels, size, size, 5, Collections.nCopies(5, "c"),
                Preprocessing.identity(channels));
        ModelWeights w = Architectures.initialWeights(spec, 4);
        java.util.List<float[]> xs = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            float[] x = new float[spec.inputSize()];
            KeyedRandom.fillGaussian(30 + i, x, 0, x.length);
            xs.add(x);
        }
        try (SameDiffClassifier nd4j = SameDiffClassifier.create(spec, w); TorchClassifier torch = new TorchClassifier(spec, w);
             io.noiselens.model.LayerProbe a = nd4j.probe(layer); io.noiselens.model.LayerProbe b = torch.probe(layer)) {
            assertEquals(a.featureSize(), b.featureSize());
            float[][] fa = a.features(xs), fb = b.features(xs);
            java.util.List<float[]> v = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                assertTrue(relativeError(fb[i], fa[i]) <= TOLERANCE, layer + " features of " + i);
                float[] vi = new float[a.featureSize()];
                KeyedRandom.fillGaussian(50 + i, vi, 0, vi.length);
                v.add(vi);
            }
            float[][] ja = a.vectorJacobian(xs, v), jb = b.vectorJacobian(xs, v);
            for (int i = 0; i < 2; i++) {
                double e = relativeError(jb[i], ja[i]);
                System.out.printf("torch engine probe %-10s %-16s image %d: features %.1e  VJP %.1e%n", arch, layer, i,
                        relativeError(fb[i], fa[i]), e);
                assertTrue(e <= TOLERANCE, layer + " VJP of " + i + ": " + e);
            }
        }
    }
}
