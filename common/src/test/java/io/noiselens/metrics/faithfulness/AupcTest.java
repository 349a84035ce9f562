package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.*;
import io.noiselens.model.Architectures;
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
 * SmoothTaylor's perturbation curve on a linear model whose class-0 evidence is one 15×15 block: the curve's
 * steps follow from the closed form, and the true attribution beats random maps.
 */
class AupcTest {
    static final int H = 40, W = 40, K = 15, Y0 = 5, X0 = 20;
    static final ModelSpec SPEC = new ModelSpec("linear", 1, H, W, 2, Collections.nCopies(2, "k"), Preprocessing.identity(1));

    static boolean inBlock(int p) {
        int y = p / W, x = p % W;
        return y >= Y0 && y < Y0 + K && x >= X0 && x < X0 + K;
    }

    /** Logit 0 = Σ_block w_p x_p with w_p > 0; logit 1 = 0 (zero bias). */
    static ModelWeights weights() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : Architectures.initialWeights(SPEC, 1).tensors()) {
            float[] d = new float[t.size()];
            if (t.name().equals("fc.weight")) for (int p = 0; p < H * W; p++) d[p * 2] = inBlock(p) ? 0.01f + (p % 7) * 0.01f : 0;
            out.add(t.withData(d));
        }
        return new ModelWeights(out);
    }

    @Test
    void windowsAreNonOverlappingAndStartAtTheHottestWindow() {
        float[] heat = new float[H * W];
        for (int p = 0; p < heat.length; p++) heat[p] = inBlock(p) ? -3 : 0.01f * (p % 5); // |heat| is what counts
        int[] picked = new Aupc(K, 30, 5).windows(heat, H, W);
        assertEquals(Y0 * W + X0, picked[0]);
        for (int a = 0; a < picked.length; a++) {
            assertTrue(picked[a] / W < H - K && picked[a] % W < W - K, "top-left corners stay below H−k, W−k");
            for (int b = 0; b < a; b++) {
                assertTrue(Math.abs(picked[a] / W - picked[b] / W) >= K || Math.abs(picked[a] % W - picked[b] % W) >= K,
                        "windows " + a + " and " + b + " overlap");
            }
        }
        assertTrue(picked.length >= 2 && picked.length <= 4, "at most 4 disjoint 15×15 windows fit: " + picked.length);
    }

    @Test
    void curveFollowsTheClosedFormAndTheTrueMapBeatsRandomMaps() {
        ModelWeights w = weights();
        float[] fw = w.get("fc.weight").data();
        float[] x = new float[H * W];
        java.util.Arrays.fill(x, 1f);
        float[] truth = new float[H * W];
        for (int p = 0; p < x.length; p++) truth[p] = x[p] * fw[p * 2];
        List<MetricContext.Item> items = new ArrayList<>();
        items.add(new MetricContext.Item("truth", x, truth, null, 0));
        for (int r = 0; r < 6; r++) {
            float[] random = new float[H * W];
            KeyedRandom.fillGaussian(40 + r, random, 0, random.length);
            items.add(new MetricContext.Item("random" + r, x, random, null, 0));
        }
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 64), null, 11, items);
            Aupc aupc = new Aupc(K, 30, 50);
            MetricValue t = aupc.score(ctx, 0);
            double[] c = t.curve();
            assertEquals(1, c[0], 1e-9, "the curve starts at f(x)/|f(x)|");
            // The block holds uniform pixels with mean 0.5 after the first step, so the logit halves.
            assertEquals(0.5, c[1], 0.02);
            for (int k = 2; k < c.length; k++) {
                assertEquals(c[1], c[k], 0.03, "the kept patch is the median-closest one");
                assertEquals(c[2], c[k], 1e-6, "windows outside the evidence leave the logit unchanged");
            }
            assertEquals(Simpson.integrate(c), t.value(), 1e-12);
            // Maps pick different numbers of disjoint windows (2 to 4 here), and the area grows with the curve's length,
            // so maps are compared by the curve's mean height, AUPC / (points − 1): the true map's first window is the
            // evidence block, so its curve falls to ≈ 0.5 at once and stays there; no random map's curve is lower.
            double truthHeight = t.value() / (c.length - 1);
            for (int r = 1; r < items.size(); r++) {
                MetricValue v = aupc.score(ctx, r);
                double height = v.value() / (v.curve().length - 1);
                assertTrue(truthHeight < height, "random map " + r + ": mean height " + height + " ≤ the true map's " + truthHeight);
            }
        }
    }
}
