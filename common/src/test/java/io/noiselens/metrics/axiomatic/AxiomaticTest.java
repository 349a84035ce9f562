package io.noiselens.metrics.axiomatic;

import io.noiselens.methods.MethodCatalogue;
import io.noiselens.metrics.Contexts;
import io.noiselens.metrics.ForwardEvaluator;
import io.noiselens.metrics.MapPreprocessing;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbBaseline;
import io.noiselens.metrics.Preprocessed;
import io.noiselens.model.Architectures;
import io.noiselens.model.LayerProbe;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.Tensor;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The axiomatic metrics on the linear model f_c(x) = w_c·x + b_c, where every attribution is written out: Integrated
 * Gradients is complete, the gradient and Gradient × Input are not, by residuals worked out by hand; non-sensitivity
 * counts the blocks where the map and the model disagree; the gradient is input-invariant and Gradient × Input is not,
 * and a BatchNorm'd first convolution absorbs the shift away from its zero padding.
 */
class AxiomaticTest {
    static final int H = 8, W = 8, K = 2;
    static final ModelSpec SPEC = new ModelSpec("linear", 1, H, W, K, Collections.nCopies(K, "c"), Preprocessing.identity(1));

    static float[] input(long seed) {
        float[] x = new float[H * W];
        KeyedRandom.fillGaussian(seed, x, 0, x.length);
        return x;
    }

    @Test
    void integratedGradientsIsCompleteTheGradientIsNot() {
        ModelWeights w = Architectures.initialWeights(SPEC, 3);
        float[] fc = w.get("fc.weight").data(), x = input(1);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            MetricContext ig = Contexts.explained(model, MethodCatalogue.method("integrated_gradients", "steps", 8,
                    "baseline", "zero"), List.of(x), new int[]{0}, 3);
            MetricValue v = new Completeness(false, Completeness.TOLERANCE).score(ig, 0);
            assertEquals(0, v.value(), 1e-5, "Σ IG = f(x) − f(0) on a linear model");
            double delta = 0;
            for (int p = 0; p < x.length; p++) delta += (double) fc[p * K] * x[p];
            assertEquals(delta, v.curve()[1], 1e-4, "Δf against the method's own zero baseline");
            assertEquals(1, new Completeness(true, Completeness.TOLERANCE).score(ig, 0).value());

            // The gradient has no baseline: the reference is the image minimum m; Σ a = Σ w, Δf = Σ w (x − m).
            MetricContext g = Contexts.explained(model, MethodCatalogue.method("gradient"), List.of(x), new int[]{0}, 3);
            float m = Float.POSITIVE_INFINITY;
            for (float v2 : x) m = Math.min(m, v2);
            double sumW = 0, dfBlack = 0;
            for (int p = 0; p < x.length; p++) {
                sumW += fc[p * K];
                dfBlack += (double) fc[p * K] * (x[p] - m);
            }
            assertEquals(Math.abs(sumW - dfBlack) / Math.abs(dfBlack), new Completeness(false, 0.01).score(g, 0).value(), 1e-4);
            assertEquals(0, new Completeness(true, 0.01).score(g, 0).value());
        }
    }

    @Test
    void nonSensitivityCountsTheBlocksWhereMapAndModelDisagree() {
        // Class 0 reads the left half only: the right half's blocks do not matter to it.
        List<Tensor> ts = new ArrayList<>();
        for (Tensor t : Architectures.initialWeights(SPEC, 4).tensors()) {
            float[] d = new float[t.data().length];
            if (t.name().equals("fc.weight")) for (int p = 0; p < H * W; p++) d[p * K] = p % W < W / 2 ? 0.05f : 0;   // p₀ ≈ 0.96: not saturated
            ts.add(new Tensor(t.name(), t.shape(), d, t.trainable()));
        }
        float[] x = new float[H * W];
        for (int p = 0; p < x.length; p++) x[p] = 1 + (p % 3);
        float[] exact = new float[H * W], uniform = new float[H * W], half = new float[H * W];
        for (int p = 0; p < x.length; p++) {
            boolean left = p % W < W / 2;
            exact[p] = left ? x[p] : 0;
            uniform[p] = 1;
            half[p] = left && p / W < H / 2 ? 1 : 0;   // only the top-left quarter
        }
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, new ModelWeights(ts))) {
            MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 64), null, 1, List.of(
                    new MetricContext.Item("e", x, exact, null, 0), new MetricContext.Item("u", x, uniform, null, 0),
                    new MetricContext.Item("h", x, half, null, 0)));
            // 2×2 blocks: 16, 8 of them in the right half.
            var metric = new Preprocessed(new NonSensitivity(2, PerturbBaseline.BLACK), MapPreprocessing.MAX_ABS);
            assertEquals(0, metric.score(ctx, 0).value(), "the exact contributions: no violation");
            assertEquals(8, metric.score(ctx, 1).value(), "attribution on the 8 blocks the model ignores");
            assertEquals(4, metric.score(ctx, 2).value(), "no attribution on the 4 bottom-left blocks that matter");
        }
    }

    @Test
    void theGradientIsInputInvariantGradientTimesInputIsNot() {
        ModelWeights w = Architectures.initialWeights(SPEC, 5);
        float[] fc = w.get("fc.weight").data(), x = input(2);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            MetricContext g = Contexts.explained(model, MethodCatalogue.method("gradient"), List.of(x), new int[]{1}, 3);
            assertEquals(1, new InputInvariance().score(g, 0).value(), "the gradient does not see the shift");
            // Gradient × Input: a = w ⊙ x becomes w ⊙ (x − 1); a value stays only where |w| is within the tolerance.
            MetricContext gxi = Contexts.explained(model, MethodCatalogue.method("gradient_x_input"), List.of(x),
                    new int[]{1}, 3);
            int same = 0;
            for (int p = 0; p < x.length; p++) {
                double a = fc[p * K + 1] * x[p], b = fc[p * K + 1] * (x[p] - 1);
                if (Math.abs(a - b) <= 1e-4 + 1e-5 * Math.abs(b)) same++;
            }
            assertEquals((double) same / x.length, new InputInvariance().score(gxi, 0).value(), 1e-12);
            assertTrue(same < x.length / 4);
        }
    }

    @Test
    void aBatchNormalisedFirstConvolutionAbsorbsTheShiftAwayFromItsPadding() {
        ModelSpec spec = new ModelSpec("resnet18", 3, 32, 32, 4, Collections.nCopies(4, "c"), Preprocessing.identity(3));
        ModelWeights w = Architectures.initialWeights(spec, 6);
        assertFalse(w.contains("conv1.bias"), "ResNet's stem has no bias: its BatchNorm mean absorbs the shift");
        ModelWeights shifted = InputInvariance.absorbShift(w, 3, spec.inputSize(), InputInvariance.SHIFT);
        float[] x = new float[spec.inputSize()], xm = new float[spec.inputSize()];
        KeyedRandom.fillGaussian(9, x, 0, x.length);
        for (int j = 0; j < x.length; j++) xm[j] = x[j] + InputInvariance.SHIFT;
        try (SameDiffClassifier a = SameDiffClassifier.create(spec, w); SameDiffClassifier b = SameDiffClassifier.create(spec, shifted);
             LayerProbe pa = a.probe("conv1"); LayerProbe pb = b.probe("conv1")) {
            float[] fa = pa.features(List.of(x))[0], fb = pb.features(List.of(xm))[0];
            int side = 16, channels = fa.length / (side * side);
            double interior = 0, border = 0;
            for (int c = 0; c < channels; c++) {
                for (int r = 0; r < side; r++) {
                    for (int q = 0; q < side; q++) {
                        // The 7×7/2 stem with padding 3 reads only real pixels at output rows and columns 2 … 14.
                        double d = Math.abs(fa[(c * side + r) * side + q] - fb[(c * side + r) * side + q]);
                        if (r >= 2 && r <= 14 && q >= 2 && q <= 14) interior = Math.max(interior, d);
                        else border = Math.max(border, d);
                    }
                }
            }
            assertTrue(interior < 1e-4, "interior outputs unchanged: " + interior);
            assertTrue(border > 1e-2, "the zero padding is not shifted: " + border);
        }
    }
}
