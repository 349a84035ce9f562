package io.noiselens.metrics.localisation;

import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.TargetSource;
import io.noiselens.methods.Methods;
import io.noiselens.metrics.EngineReexplainer;
import io.noiselens.metrics.ForwardEvaluator;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricValue;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Focus's mosaics by hand, and Focus on the linear model, whose gradient map w_c does not depend on the mosaic: the
 * score is the share of w_c⁺ that falls on the two tiles the layout gives the target.
 */
class FocusTest {
    static final int H = 8, W = 8, K = 3;
    static final ModelSpec SPEC = new ModelSpec("linear", 1, H, W, K, Collections.nCopies(K, "c"), Preprocessing.identity(1));

    @Test
    void tilesAreTheImagesShrunkByAreaAveragingIntoTheirQuadrants() {
        float[] ramp = new float[16];
        for (int p = 0; p < 16; p++) ramp[p] = p;
        float[][] tiles = {ramp, constant(16, 1), constant(16, 2), constant(16, 3)};
        float[] m = Focus.mosaic(tiles, 1, 4, 4);
        // TL: the 2×2 block means of the ramp; the others constant.
        assertArrayEquals(new float[]{2.5f, 4.5f, 1, 1, 10.5f, 12.5f, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}, m);
        // Odd sizes: tiles split at H//2 (2 and 3 rows of 5); a constant image stays constant wherever it lands.
        float[] odd = Focus.mosaic(new float[][]{constant(25, 7), constant(25, 7), constant(25, 7), constant(25, 7)}, 1, 5, 5);
        for (float v : odd) assertEquals(7, v, 1e-6);
        float[] r = Focus.mirror(new float[]{1, 2, 3, 4, 5, 6}, 1, 2, 3);
        assertArrayEquals(new float[]{3, 2, 1, 6, 5, 4}, r);
        assertEquals(3, Focus.tile(4, 4, 8, 8));
        assertEquals(1, Focus.tile(3, 4, 8, 8));
    }

    @Test
    void focusOfTheGradientIsTheShareOfPositiveWeightOnTheTargetTiles() {
        ModelWeights w = Architectures.initialWeights(SPEC, 8);
        float[] fc = w.get("fc.weight").data();
        List<MetricContext.Partner> pool = new ArrayList<>();
        for (int k = 0; k < 6; k++) pool.add(new MetricContext.Partner("p" + k, k % K, input(50 + k)));
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            var method = Methods.builder("gradient").target(TargetSource.LABEL).build();
            EngineOptions options = EngineOptions.defaults(4);
            List<MetricContext.Item> items = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                items.add(new MetricContext.Item("img" + i, input(i), new float[H * W], null, i % K));
            }
            MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 16), new EngineReexplainer(model,
                    options, method), 4, items, new HashMap<>(), pool);
            Focus.Mosaics mosaics = ctx.get(Focus.Mosaics.INSTANCE);
            for (int i = 0; i < items.size(); i++) {
                int c = i % K;
                boolean[] layout = mosaics.layouts()[i];
                assertEquals(2, (layout[0] ? 1 : 0) + (layout[1] ? 1 : 0) + (layout[2] ? 1 : 0) + (layout[3] ? 1 : 0));
                double inside = 0, total = 0;
                for (int p = 0; p < H * W; p++) {
                    double v = Math.max(0, fc[p * K + c]);
                    total += v;
                    if (layout[Focus.tile(p / W, p % W, H, W)]) inside += v;
                }
                MetricValue f = new Focus().score(ctx, i);
                assertEquals(inside / (total + 1e-9), f.value(), 1e-6);
            }
            // A pool without other classes than the target: no mosaic.
            MetricContext lonely = new MetricContext(SPEC, new ForwardEvaluator(model, 16), new EngineReexplainer(model,
                    options, method), 4, items.subList(0, 1), new HashMap<>(), List.of(pool.get(0), pool.get(3)));
            MetricValue v = new Focus().score(lonely, 0);
            assertTrue(Double.isNaN(v.value()) && v.nanReason().contains("fewer than two"), v.toString());
        }
    }

    private static float[] constant(int n, float v) {
        float[] out = new float[n];
        java.util.Arrays.fill(out, v);
        return out;
    }

    private static float[] input(long seed) {
        float[] x = new float[H * W];
        KeyedRandom.fillGaussian(seed, x, 0, x.length);
        return x;
    }
}
