package io.noiselens.model;

import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The input-only reverse pass ({@link Backprop}) against SameDiff's own autodiff on the same graph and weights, for
 * every built-in architecture, with one row per output space in the same call; the ONNX graphs get the same check
 * in {@code OnnxImportTest}, and {@link InputGradientTest} checks the input-only pass against finite differences.
 * The logits returned with the gradients are the logits of a plain forward pass.
 */
public class GradientPassTest {
    static Stream<Arguments> architectures() {
        return Stream.of(Arguments.of(SmallCnn.NAME, 3, 32), Arguments.of(FashionCnn.NAME, 1, 28),
                Arguments.of("resnet18", 3, 64), Arguments.of("resnet50", 3, 48), Arguments.of("linear", 3, 8),
                Arguments.of("mlp", 1, 12));
    }

    @ParameterizedTest(name = "{0} {1}x{2}x{2}")
    @MethodSource("architectures")
    void inputOnlyPassEqualsAutodiff(String arch, int c, int hw) {
        ModelSpec spec = InputGradientTest.spec(arch, c, hw, 6);
        ModelWeights w = Architectures.initialWeights(spec, 5);
        double e = compare(spec, w, 3, 17);
        assertTrue(e <= 1e-5, arch + ": input-only and autodiff gradients differ by " + e + " (relative)");
    }

    /** max |input-only − autodiff| / max |autodiff| over {@code rows} random inputs, one output space each. */
    public static double compare(ModelSpec spec, ModelWeights w, int rows, long seed) {
        float[] x = new float[rows * spec.inputSize()];
        KeyedRandom.fillGaussian(seed, x, 0, x.length);
        INDArray input = Nd4j.createFromArray(x).reshape(rows, spec.channels(), spec.height(), spec.width());
        int[] targets = new int[rows];
        OutputSpace[] spaces = new OutputSpace[rows];
        for (int r = 0; r < rows; r++) {
            targets[r] = (2 * r + 1) % spec.numClasses();
            spaces[r] = OutputSpace.values()[r % OutputSpace.values().length];
        }
        try (SameDiffClassifier fast = SameDiffClassifier.create(spec, w);
             SameDiffClassifier reference = SameDiffClassifier.create(spec, w, DataType.FLOAT,
                     SameDiffClassifier.GradientPass.AUTODIFF)) {
            assertEquals(SameDiffClassifier.GradientPass.INPUT_ONLY, fast.gradientPass());
            ClassifierModel.Pass pass = fast.logitsAndInputGradients(input, targets, spaces);
            float[] expected = reference.inputGradients(input, targets, spaces).reshape(-1).toFloatVector();
            float[] actual = pass.gradients().reshape(-1).toFloatVector();
            assertArrayEquals(reference.logits(input).reshape(-1).toFloatVector(),
                    pass.logits().reshape(-1).toFloatVector(), 1e-5f);
            assertArrayEquals(actual, fast.inputGradients(input, targets, spaces).reshape(-1).toFloatVector());
            double num = 0, den = 0;
            for (int i = 0; i < actual.length; i++) {
                num = Math.max(num, Math.abs(actual[i] - expected[i]));
                den = Math.max(den, Math.abs(expected[i]));
            }
            assertTrue(den > 0, "the reference gradient is all zero");
            System.out.printf("%s: input-only vs autodiff gradient error %.2e (max |g| %.3g)%n", spec.architecture(),
                    num / den, den);
            return num / den;
        }
    }
}
