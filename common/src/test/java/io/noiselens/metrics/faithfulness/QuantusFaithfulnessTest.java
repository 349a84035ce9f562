package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.ForwardEvaluator;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricValue;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.Tensor;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.noiselens.metrics.faithfulness.CausalMetricTest.H;
import static io.noiselens.metrics.faithfulness.CausalMetricTest.K;
import static io.noiselens.metrics.faithfulness.CausalMetricTest.SPEC;
import static io.noiselens.metrics.faithfulness.CausalMetricTest.W;
import static io.noiselens.metrics.faithfulness.CausalMetricTest.prob;
import static io.noiselens.metrics.faithfulness.FaithfulnessTest.min;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Infidelity, Selectivity, Monotonicity and Faithfulness Estimate (Quantus's definitions, METHODS-2.md §B.1) on the 6×6 linear model, each
 * against the curve written out here from the model's closed form.
 */
class QuantusFaithfulnessTest {
    static double logit(ModelWeights w, float[] x, int c) {
        float[] fw = w.get("fc.weight").data(), fb = w.get("fc.bias").data();
        double l = fb[c];
        for (int p = 0; p < x.length; p++) l += x[p] * (double) fw[p * K + c];
        return l;
    }

    static float[] input(int seed) {
        float[] x = new float[H * W];
        KeyedRandom.fillGaussian(seed, x, 0, x.length);
        return x;
    }

    /** Raster blocks of 4 on 6×6: [0,4)×[0,4), [0,4)×[4,6), [4,6)×[0,4), [4,6)×[4,6). */
    static boolean inBlock(int b, int p) {
        int y = p / W, x = p % W, by = b / 2, bx = b % 2;
        return (by == 0 ? y < 4 : y >= 4) && (bx == 0 ? x < 4 : x >= 4);
    }

    @Test
    void infidelityIsZeroForTheGradientOfALinearModelAndMatchesItsDefinitionOtherwise() {
        ModelWeights w = Architectures.initialWeights(SPEC, 21);
        float[] fc = w.get("fc.weight").data();
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            List<MetricContext.Item> items = new ArrayList<>();
            float[] x = input(5), gradient = new float[H * W], gxi = new float[H * W];
            float m = min(x);
            for (int p = 0; p < x.length; p++) {
                gradient[p] = fc[p * K + 1];
                gxi[p] = x[p] * fc[p * K + 1];
            }
            items.add(new MetricContext.Item("g", x, gradient, null, 1));
            items.add(new MetricContext.Item("gxi", x, gxi, null, 1));
            MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 16), null, 1, items);
            assertEquals(0, Infidelity.DEFAULT.score(ctx, 0).value(), 1e-9, "Δ_k = Σ w ⊙ (x − x̃_k) = s_k exactly");
            // Gradient × input: the definition written out, block by block.
            double[] xt = new double[H * W];
            float[] cur = x.clone();
            double s = 0, loss = 0, fx = logit(w, x, 1);
            for (int b = 0; b < 4; b++) {
                for (int p = 0; p < x.length; p++) {
                    if (!inBlock(b, p)) continue;
                    s += gxi[p] * ((double) x[p] - m);
                    cur[p] = m;
                }
                double delta = fx - logit(w, cur, 1);
                loss += (delta - s) * (delta - s);
            }
            MetricValue v = Infidelity.DEFAULT.score(ctx, 1);
            assertTrue(v.value() > 1e-3, "gradient × input is not the linear model's perturbation response");
            assertEquals(loss / 4, v.value(), 1e-4 * loss);
        }
    }

    @Test
    void selectivityIsTheAreaOfTheBlockRemovalCurve() {
        ModelWeights w = Architectures.initialWeights(SPEC, 22);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            float[] x = input(6), a = input(7);
            MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 16), null, 1,
                    List.of(new MetricContext.Item("s", x, a, null, 2)));
            // Blocks of 4 ranked by their sums, removed to the minimum one after another.
            double[] sums = new double[4];
            for (int p = 0; p < a.length; p++) for (int b = 0; b < 4; b++) if (inBlock(b, p)) sums[b] += a[p];
            Integer[] order = {0, 1, 2, 3};
            java.util.Arrays.sort(order, (p, q) -> Double.compare(sums[q], sums[p]));
            float[] cur = x.clone();
            float m = min(x);
            double[] curve = new double[4];
            for (int k = 0; k < 4; k++) {
                for (int p = 0; p < x.length; p++) if (inBlock(order[k], p)) cur[p] = m;
                curve[k] = prob(w, cur, 2);
            }
            double area = 0;
            for (int k = 1; k < 4; k++) area += (curve[k - 1] + curve[k]) / 2;
            MetricValue v = new Selectivity(4).score(ctx, 0);
            assertArrayEquals(curve, v.curve(), 1e-6);
            assertEquals(area / 3, v.value(), 1e-6);
        }
    }

    @Test
    void monotonicityHoldsWhenEveryInsertionHelpsTheClassAndFailsWhenOneHurts() {
        // Class 0 with non-negative weights and the other classes with none: inserting x (≥ its minimum) only raises
        // the logit, so the probability never falls; one negative weight on a pixel makes its insertion lower it.
        List<Tensor> ts = new ArrayList<>();
        for (Tensor t : Architectures.initialWeights(SPEC, 23).tensors()) {
            float[] d = t.data().clone();
            if (t.name().equals("fc.weight")) {
                for (int i = 0; i < d.length; i++) d[i] = i % K == 0 ? Math.abs(d[i]) : 0;
            } else {
                java.util.Arrays.fill(d, 0);
            }
            ts.add(new Tensor(t.name(), t.shape(), d, t.trainable()));
        }
        ModelWeights positive = new ModelWeights(ts);
        float[] x = input(8), a = input(9);
        for (boolean hurt : new boolean[]{false, true}) {
            ModelWeights w = positive;
            if (hurt) {
                List<Tensor> neg = new ArrayList<>();
                for (Tensor t : positive.tensors()) {
                    float[] d = t.data().clone();
                    if (t.name().equals("fc.weight")) d[7 * K] = -5;   // pixel 7 now lowers class 0
                    neg.add(new Tensor(t.name(), t.shape(), d, t.trainable()));
                }
                w = new ModelWeights(neg);
                if (x[7] == min(x)) x[7] += 1;                          // its insertion must change the input
            }
            try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
                MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 64), null, 1,
                        List.of(new MetricContext.Item("m", x, a, null, 0)));
                MetricValue v = new Monotonicity(1).score(ctx, 0);
                assertEquals(H * W + 1, v.curve().length);
                assertEquals(hurt ? 0 : 1, v.value(), hurt ? "a harmful pixel's insertion lowers p" : "monotone");
            }
        }
    }

    @Test
    void faithfulnessEstimateIsOneForTheExactContributionsAndLowerForNoise() {
        // f(x) − f(x with block B at m) = Σ_{p∈B} (x_p − m) w_cp: the block sums of a = (x − m) ⊙ w_c are the drops.
        ModelWeights w = Architectures.initialWeights(SPEC, 24);
        float[] fc = w.get("fc.weight").data();
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            float[] x = input(10), exact = new float[H * W];
            float m = min(x);
            for (int p = 0; p < x.length; p++) exact[p] = (x[p] - m) * fc[p * K];
            MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 16), null, 1, List.of(
                    new MetricContext.Item("e", x, exact, null, 0), new MetricContext.Item("r", x, input(11), null, 0)));
            FaithfulnessEstimate fe = new FaithfulnessEstimate(2);
            assertEquals(1, fe.score(ctx, 0).value(), 1e-5);
            assertTrue(fe.score(ctx, 1).value() < 0.9);
        }
    }
}
