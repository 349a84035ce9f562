package io.noiselens.model;

import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Oracle: float64 central finite differences of the same architecture and weights. The float32 SameDiff input
 * gradient must agree on sampled pixels to a relative error of 1e-4, for every output space, including the
 * ResNets whose BatchNorm is folded.
 */
class InputGradientTest {

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of(SmallCnn.NAME, 3, 32, OutputSpace.LOGIT),
                Arguments.of(SmallCnn.NAME, 3, 32, OutputSpace.PROBABILITY),
                Arguments.of(SmallCnn.NAME, 3, 32, OutputSpace.LOG_PROBABILITY),
                Arguments.of("resnet18", 3, 64, OutputSpace.LOGIT),
                Arguments.of("resnet18", 3, 64, OutputSpace.PROBABILITY),
                Arguments.of("resnet50", 3, 64, OutputSpace.LOGIT));
    }

    static ModelSpec spec(String arch, int c, int hw, int classes) {
        return new ModelSpec(arch, c, hw, hw, classes, Collections.nCopies(classes, "c"), Preprocessing.identity(c));
    }

    @ParameterizedTest(name = "{0} {1}x{2}x{2} {3}")
    @MethodSource("models")
    void gradientMatchesFloat64FiniteDifferences(String arch, int c, int hw, OutputSpace space) {
        ModelSpec spec = spec(arch, c, hw, 5);
        ModelWeights w = Architectures.initialWeights(spec, 42);
        int n = c * hw * hw;
        float[] x = new float[2 * n];
        KeyedRandom.fillGaussian(7, x, 0, x.length);
        int[] targets = {1, 3};
        try (ClassifierModel f32 = SameDiffClassifier.create(spec, w);
             ClassifierModel f64 = SameDiffClassifier.create(spec, w, DataType.DOUBLE)) {
            INDArray input = Nd4j.createFromArray(x).reshape(2, c, hw, hw);
            INDArray g = f32.inputGradients(input, targets, new OutputSpace[]{space, space});
            double gmax = g.amaxNumber().doubleValue();
            assertTrue(gmax > 0, "gradient is all zero");
            KeyedRandom.Stream pick = new KeyedRandom.Stream(11);
            double worst = 0;
            for (int s = 0; s < 12; s++) {
                int row = s % 2, pix = pick.nextInt(n);
                double fd = finiteDifference(f64, input.get(org.nd4j.linalg.indexing.NDArrayIndex.point(row))
                        .reshape(1, c, hw, hw).castTo(DataType.DOUBLE), pix, targets[row], space);
                double ours = g.reshape(2, n).getDouble(row, pix);
                double rel = Math.abs(ours - fd) / Math.max(Math.abs(fd), 1e-3 * gmax);
                worst = Math.max(worst, rel);
            }
            System.out.printf("%s %s: max relative error %.3g (max |g| %.3g)%n", arch, space, worst, gmax);
            assertTrue(worst <= 1e-4, "relative error " + worst);
        }
    }

    static double finiteDifference(ClassifierModel m, INDArray x, int pixel, int target, OutputSpace space) {
        double h = 1e-6;
        INDArray flat = x.reshape(x.length());
        double orig = flat.getDouble(pixel);
        flat.putScalar(pixel, orig + h);
        double up = score(m, x, target, space);
        flat.putScalar(pixel, orig - h);
        double down = score(m, x, target, space);
        flat.putScalar(pixel, orig);
        return (up - down) / (2 * h);
    }

    static double score(ClassifierModel m, INDArray x, int target, OutputSpace space) {
        INDArray logits = m.logits(x);
        if (space == OutputSpace.LOGIT) return logits.getDouble(0, target);
        double max = logits.maxNumber().doubleValue(), sum = 0;
        for (int k = 0; k < logits.size(1); k++) sum += Math.exp(logits.getDouble(0, k) - max);
        double p = Math.exp(logits.getDouble(0, target) - max) / sum;
        return space == OutputSpace.PROBABILITY ? p : Math.log(p);
    }
}
