package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.ForwardEvaluator;
import io.noiselens.metrics.MapPreprocessing;
import io.noiselens.metrics.PerturbBaseline;
import io.noiselens.metrics.Preprocessed;
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
 * Infidelity, Selectivity, Monotonicity, Faithfulness Estimate and IROF (Quantus's definitions, METHODS-2.md §B.1) on the 6×6 linear model, each
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
            MetricValue v = new Selectivity(4, PerturbBaseline.BLACK).score(ctx, 0);
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
                MetricValue v = new Preprocessed(new Monotonicity(1, PerturbBaseline.BLACK), MapPreprocessing.MAX_ABS).score(ctx, 0);
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
            FaithfulnessEstimate fe = new FaithfulnessEstimate(2, PerturbBaseline.BLACK);
            assertEquals(1, fe.score(ctx, 0).value(), 1e-5);
            assertTrue(fe.score(ctx, 1).value() < 0.9);
        }
    }

    /**
     * Monotonicity correlation written out on the linear model: each 2×2 block alone to the baseline, v_b the mean
     * squared relative change of p, for the black baseline (one draw) and for uniform draws regenerated from the
     * baseline's own images; the score is Spearman(block sums, v).
     */
    @Test
    void monotonicityCorrelationIsSpearmanOfBlockSumsAndEffects() {
        ModelWeights w = Architectures.initialWeights(SPEC, 26);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            float[] x = input(12), a = input(13);
            MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 16), null, 5, List.of(
                    new MetricContext.Item("a", x, a, null, 0)));
            Blocks blocks = Blocks.of(SPEC, 2);
            double clean = prob(w, x, 0);
            for (PerturbBaseline baseline : List.of(PerturbBaseline.BLACK, PerturbBaseline.UNIFORM)) {
                int samples = baseline.random() ? 3 : 1;
                double[] v = new double[blocks.count()];
                for (int b = 0; b < v.length; b++) {
                    for (int s = 0; s < samples; s++) {
                        float[] xs = x.clone(), r = baseline.image(ctx, 0, s);
                        for (int q : blocks.pixels(b)) xs[q] = r[q];
                        double d = prob(w, xs, 0) - clean;
                        v[b] += d * d / (clean * clean) / samples;
                    }
                }
                double expected = io.noiselens.metrics.Similarity.spearman(blocks.sums(a), v);
                MetricValue got = new MonotonicityCorrelation(2, 3, baseline).score(ctx, 0);
                assertEquals(expected, got.value(), 1e-5, baseline.key());
            }
        }
    }

    /**
     * IROF on a two-tone image whose class evidence lies in its right half: removing the right half's superpixels first
     * (the faithful map) takes the probability away at once, the reverse map keeps it to the end; both against the
     * curve written out from the same superpixels and the model's closed form.
     */
    @Test
    void irofOnATwoToneImageRewardsTheMapThatRanksTheEvidenceFirst() {
        int size = 16, plane = size * size;
        io.noiselens.model.ModelSpec spec = new io.noiselens.model.ModelSpec("linear", 1, size, size, 2,
                java.util.Collections.nCopies(2, "k"), io.noiselens.model.Preprocessing.identity(1));
        float[] x = new float[plane], faithful = new float[plane], reverse = new float[plane];
        for (int p = 0; p < plane; p++) {
            boolean right = p % size >= size / 2;
            x[p] = right ? 0.9f : 0.1f;
            faithful[p] = right ? 1 : 0;
            reverse[p] = right ? 0 : 1;
        }
        // Class 0 reads the right half (0.05 per pixel); class 1's bias puts p₀(x) at σ(1) ≈ 0.73, so removing the
        // right half (to the image mean 0.5) takes it to σ(1 − 0.05·128·0.4) ≈ 0.2.
        List<Tensor> ts = new ArrayList<>();
        for (Tensor t : Architectures.initialWeights(spec, 25).tensors()) {
            float[] d = new float[t.data().length];
            if (t.name().equals("fc.weight")) for (int p = 0; p < plane; p++) d[p * 2] = p % size >= size / 2 ? 0.05f : 0;
            if (t.name().equals("fc.bias")) d[1] = 0.05f * 128 * 0.9f - 1;
            ts.add(new Tensor(t.name(), t.shape(), d, t.trainable()));
        }
        ModelWeights w = new ModelWeights(ts);
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, w)) {
            MetricContext ctx = new MetricContext(spec, new ForwardEvaluator(model, 16), null, 1, List.of(
                    new MetricContext.Item("f", x, faithful, null, 0), new MetricContext.Item("r", x, reverse, null, 0)));
            Irof irof = new Irof(4, PerturbBaseline.MEAN);
            io.noiselens.attribution.perturbation.Segments seg = io.noiselens.attribution.perturbation.Slic.segment(x, 1,
                    size, size, spec.preprocessing(), 4, 10, 10);
            assertTrue(seg.count() >= 2, "the halves are different superpixels");
            double mean = 0;
            for (float v : x) mean += v;
            mean /= plane;
            double[] scores = new double[2];
            for (int item = 0; item < 2; item++) {
                float[] a = item == 0 ? faithful : reverse;
                double[] segMean = new double[seg.count()];
                int[] sizes = seg.sizes();
                for (int p = 0; p < plane; p++) segMean[seg.labels()[p]] += a[p];
                for (int q = 0; q < segMean.length; q++) segMean[q] /= sizes[q];   // ties then keep segment order
                Integer[] rank = new Integer[seg.count()];
                for (int s = 0; s < rank.length; s++) rank[s] = s;
                java.util.Arrays.sort(rank, (p, q) -> Double.compare(segMean[q], segMean[p]));
                float[] cur = x.clone();
                double clean = twoClassProbability(w, x), trapz = 0, previous = Double.NaN;
                for (int k = 0; k < rank.length; k++) {
                    for (int p = 0; p < plane; p++) if (seg.labels()[p] == rank[k]) cur[p] = (float) mean;
                    double r = twoClassProbability(w, cur) / clean;
                    if (k > 0) trapz += (previous + r) / 2;
                    previous = r;
                }
                MetricValue v = irof.score(ctx, item);
                assertEquals(1 - trapz / rank.length, v.value(), 1e-5, item == 0 ? "faithful" : "reverse");
                scores[item] = v.value();
            }
            assertTrue(scores[0] > scores[1] + 0.05, "the faithful map removes the evidence first: " + scores[0] + " vs " + scores[1]);
        }
    }

    /** Softmax probability of class 0 of the two-class linear model. */
    static double twoClassProbability(ModelWeights w, float[] x) {
        float[] fw = w.get("fc.weight").data(), fb = w.get("fc.bias").data();
        double l0 = fb[0], l1 = fb[1];
        for (int p = 0; p < x.length; p++) {
            l0 += x[p] * (double) fw[p * 2];
            l1 += x[p] * (double) fw[p * 2 + 1];
        }
        return 1 / (1 + Math.exp(l1 - l0));
    }
}
