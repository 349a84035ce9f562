package io.noiselens.model.onnx;

import io.noiselens.model.ModelFile;
import io.noiselens.model.NativeArrays;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.torch.TorchClassifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static io.noiselens.model.onnx.OnnxImportTest.relativeError;
import static io.noiselens.model.onnx.OnnxImportTest.toDoubles;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every imported ONNX graph on the torch engine against PyTorch itself (the fixtures of {@link OnnxImportTest}):
 * float32 logits within 1e-4 of PyTorch's float64 and float32 ones, input gradients within twice the network's
 * measured float32 rounding sensitivity of PyTorch's float64 gradients, the bound the ND4J engine meets too.
 */
class OnnxTorchEngineTest {
    static List<String> archs() {
        return OnnxImportTest.ARCHS;
    }

    @BeforeAll
    static void exportFixtures() throws IOException, InterruptedException {
        OnnxImportTest.exportFixtures();
    }

    @ParameterizedTest
    @MethodSource("archs")
    void torchEngineMatchesPyTorchWithinTheNetworksConditioning(String arch) throws IOException {
        OnnxImportTest.Reference ref = OnnxImportTest.reference(arch);
        ModelFile.Loaded loaded = OnnxImportTest.load(arch);
        double[] logits, grad;
        long t0 = System.nanoTime(), t1, t2;
        try (TorchClassifier model = new TorchClassifier(loaded.spec(), loaded.weights())) {
            t1 = System.nanoTime();
            logits = toDoubles(NativeArrays.drainFloats(model.logits(ref.input())));
            OutputSpace[] spaces = new OutputSpace[ref.targets().length];
            Arrays.fill(spaces, OutputSpace.LOGIT);
            t2 = System.nanoTime();
            grad = toDoubles(NativeArrays.drainFloats(model.inputGradients(ref.input(), ref.targets(), spaces)));
        }
        long t3 = System.nanoTime();
        double le = relativeError(logits, ref.logits64()), le32 = relativeError(logits, toDoubles(ref.logits()));
        double ge = relativeError(grad, ref.grad64());
        double tolerance = Math.max(1e-4, 2 * ref.roundingSensitivity());
        System.out.printf("ONNX %-14s torch float32: build %5.0f ms  logits %5.0f ms  gradients %5.0f ms  logit error "
                        + "%.2e (vs float64) %.2e (vs PyTorch float32)  gradient error %.2e  tolerance %.2e%n", arch,
                (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, le, le32, ge, tolerance);
        assertTrue(le <= 1e-4, arch + ": logits differ from PyTorch's float64 logits by " + le);
        assertTrue(le32 <= 1e-4, arch + ": logits differ from PyTorch's float32 logits by " + le32);
        assertTrue(ge <= tolerance, arch + ": input gradients differ from PyTorch's float64 ones by " + ge);
    }
}
