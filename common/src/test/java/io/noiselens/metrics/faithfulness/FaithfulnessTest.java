package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.*;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.noiselens.metrics.faithfulness.CausalMetricTest.H;
import static io.noiselens.metrics.faithfulness.CausalMetricTest.K;
import static io.noiselens.metrics.faithfulness.CausalMetricTest.SPEC;
import static io.noiselens.metrics.faithfulness.CausalMetricTest.W;
import static io.noiselens.metrics.faithfulness.CausalMetricTest.prob;
import static org.junit.jupiter.api.Assertions.*;

/** Pixel flipping, region perturbation and faithfulness correlation on the linear model's closed forms. */
class FaithfulnessTest {
    static float min(float[] x) {
        float m = Float.POSITIVE_INFINITY;
        for (float v : x) m = Math.min(m, v);
        return m;
    }

    static List<MetricContext.Item> items(ModelWeights w, int n, boolean minusMinimum) {
        List<MetricContext.Item> out = new ArrayList<>();
        float[] fc = w.get("fc.weight").data();
        for (int i = 0; i < n; i++) {
            float[] x = new float[H * W];
            KeyedRandom.fillGaussian(300 + i, x, 0, x.length);
            float m = minusMinimum ? min(x) : 0;
            float[] a = new float[x.length];
            for (int p = 0; p < x.length; p++) a[p] = (x[p] - m) * fc[p * K + i % K];
            out.add(new MetricContext.Item("f" + i, x, a, null, i % K));
        }
        return out;
    }

    @Test
    void faithfulnessCorrelationIsOneForTheExactContributionsOfALinearModel() {
        // f(x) − f(x with S at the minimum m) = Σ_{i∈S} (x_i − m) w_ci: the sums of a = (x − m) ⊙ w_c match exactly.
        ModelWeights w = Architectures.initialWeights(SPEC, 6);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            ForwardEvaluator eval = new ForwardEvaluator(model, 50);
            MetricContext ctx = new MetricContext(SPEC, eval, null, 1, items(w, 3, true));
            FaithfulnessCorrelation fc = new FaithfulnessCorrelation(20, 5);
            for (int i = 0; i < 3; i++) assertEquals(1.0, fc.score(ctx, i).value(), 1e-5);
            assertEquals(3 * 21, eval.rows(), "one batched evaluation for the whole batch");
            List<MetricContext.Item> shuffled = new ArrayList<>();
            for (MetricContext.Item it : items(w, 3, true)) {
                float[] r = new float[it.heatmap().length];
                KeyedRandom.fillGaussian(it.id().hashCode(), r, 0, r.length);
                shuffled.add(new MetricContext.Item(it.id(), it.input(), r, null, it.target()));
            }
            MetricContext random = new MetricContext(SPEC, eval, null, 1, shuffled);
            for (int i = 0; i < 3; i++) assertTrue(fc.score(random, i).value() < 0.9);
        }
    }

    @Test
    void sensitivityNIsOneAtEverySizeForTheExactZeroBaselineContributions() {
        // With x_S = 0, f(x) − f(x_S=0) = Σ_{i∈S} x_i w_ci exactly: Gradient × Input is perfectly sensitive-n.
        ModelWeights w = Architectures.initialWeights(SPEC, 9);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            ForwardEvaluator eval = new ForwardEvaluator(model, 64);
            MetricContext ctx = new MetricContext(SPEC, eval, null, 2, items(w, 2, false));
            MetricValue v = new io.noiselens.metrics.faithfulness.SensitivityN(new double[]{0.1, 0.3, 0.6}, 12).score(ctx, 1);
            assertEquals(3, v.curve().length);
            for (double c : v.curve()) assertEquals(1.0, c, 1e-5);
            assertEquals(1.0, v.value(), 1e-5);
            long rows = eval.rows();
            new io.noiselens.metrics.faithfulness.SensitivityN(new double[]{0.1, 0.3, 0.6}, 12).score(ctx, 0);
            assertEquals(rows, eval.rows(), "subset evaluations are shared by the batch");
        }
    }

    @Test
    void pixelFlippingCurveIsTheClosedFormProbability() {
        ModelWeights w = Architectures.initialWeights(SPEC, 7);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 16), items(w, 2, false));
            MetricValue v = new PixelFlipping(4).score(ctx, 1);
            float[] x = ctx.item(1).input();
            float m = min(x);
            int[] rank = ctx.ranking(1);
            assertEquals(9, v.curve().length); // 36 pixels in steps of 4, unperturbed point excluded
            for (int s = 1; s <= 9; s++) {
                float[] xs = x.clone();
                for (int r = 0; r < Math.min(36, 4 * s); r++) xs[rank[r]] = m;
                assertEquals(prob(w, xs, ctx.item(1).target()), v.curve()[s - 1], 1e-5);
            }
        }
    }

    @Test
    void regionPerturbationAopcMatchesAHandBuiltMorfOrder() {
        ModelWeights w = Architectures.initialWeights(SPEC, 8);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 16), items(w, 2, false));
            MetricValue v = new RegionPerturbation(true, 4, 3).score(ctx, 0);
            // 6×6 in 4×4 patches: cells (0,0) 16 px, (0,4) 8 px, (4,0) 8 px, (4,4) 4 px.
            int[][] cells = {{0, 0, 4, 4}, {0, 4, 4, 2}, {4, 0, 2, 4}, {4, 4, 2, 2}};
            float[] a = ctx.item(0).heatmap(), x = ctx.item(0).input();
            double[] sums = new double[4];
            for (int c = 0; c < 4; c++) {
                for (int y = cells[c][0]; y < cells[c][0] + cells[c][2]; y++) {
                    for (int xx = cells[c][1]; xx < cells[c][1] + cells[c][3]; xx++) sums[c] += a[y * W + xx];
                }
            }
            Integer[] order = {0, 1, 2, 3};
            java.util.Arrays.sort(order, (p, q) -> Double.compare(sums[q], sums[p]));
            float[] xs = x.clone();
            float m = min(x);
            int t = ctx.item(0).target();
            double p0 = prob(w, x, t), aopc = 0;
            for (int k = 0; k < 3; k++) {
                int[] c = cells[order[k]];
                for (int y = c[0]; y < c[0] + c[2]; y++) for (int xx = c[1]; xx < c[1] + c[3]; xx++) xs[y * W + xx] = m;
                double delta = p0 - prob(w, xs, t);
                assertEquals(delta, v.curve()[k], 1e-5);
                aopc += delta;
            }
            assertEquals(aopc / 4, v.value(), 1e-5);
        }
    }
}
