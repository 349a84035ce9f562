package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.*;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** ROAD's noisy linear imputation worked by hand and on planes it must reproduce, and ROAD's direction. */
class RoadTest {
    static float[] image(int c, int h, int w, long seed) {
        float[] x = new float[c * h * w];
        KeyedRandom.fillGaussian(seed, x, 0, x.length);
        return x;
    }

    @Test
    void aLonePixelTakesTheWeightedMeanOfItsNeighbours() {
        int h = 5, w = 5;
        float[] x = image(1, h, w, 1), out = new float[x.length];
        NoisyLinearImputation imp = new NoisyLinearImputation(1, h, w, 0);
        imp.impute(x, new int[]{2 * w + 2}, 1, 0, out, 0);
        double edge = x[1 * w + 2] + x[3 * w + 2] + x[2 * w + 1] + x[2 * w + 3];
        double diag = x[1 * w + 1] + x[1 * w + 3] + x[3 * w + 1] + x[3 * w + 3];
        assertEquals(edge / 6 + diag / 12, out[2 * w + 2], 1e-6);
        for (int p = 0; p < x.length; p++) if (p != 2 * w + 2) assertEquals(x[p], out[p], "kept pixel " + p);
        // A corner pixel has three in-image neighbours; the mean is over their weights only (5/12).
        imp.impute(x, new int[]{0}, 1, 0, out, 0);
        assertEquals((x[1] / 6 + x[w] / 6 + x[w + 1] / 12) / (5.0 / 12), out[0], 1e-6);
    }

    @Test
    void interiorHolesInAPlaneAreFilledExactlyInEveryChannel() {
        int c = 3, h = 12, w = 10, plane = h * w;
        float[] x = new float[c * plane];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) for (int xx = 0; xx < w; xx++) x[ch * plane + y * w + xx] = 0.3f * (ch + 1) * y - 0.2f * ch * xx + ch;
        }
        // A 4×3 block and two scattered pixels, none on the border: the plane solves every equation.
        List<Integer> removed = new ArrayList<>();
        for (int y = 3; y < 7; y++) for (int xx = 2; xx < 5; xx++) removed.add(y * w + xx);
        removed.add(9 * w + 7);
        removed.add(1 * w + 8);
        float[] dirty = x.clone();
        for (int p : removed) for (int ch = 0; ch < c; ch++) dirty[ch * plane + p] = 100;
        float[] out = new float[x.length];
        new NoisyLinearImputation(c, h, w, 0).impute(dirty, removed.stream().mapToInt(Integer::intValue).toArray(),
                removed.size(), 0, out, 0);
        for (int k = 0; k < x.length; k++) assertEquals(x[k], out[k], 1e-4, "value " + k);
    }

    @Test
    void largeHolesAndScatteredPixelsGoThroughTheMultigridSolverExactly() {
        int c = 2, h = 48, w = 44, plane = h * w;
        float[] x = new float[c * plane];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) for (int xx = 0; xx < w; xx++) x[ch * plane + y * w + xx] = 0.05f * y - 0.03f * (ch + 1) * xx;
        }
        List<Integer> hole = new ArrayList<>(), scattered = new ArrayList<>();
        for (int y = 2; y < h - 2; y++) for (int xx = 3; xx < w - 3; xx++) hole.add(y * w + xx);        // 1520 unknowns
        for (int y = 1; y < h - 1; y += 2) for (int xx = 1; xx < w - 1; xx += 2) scattered.add(y * w + xx); // isolated
        for (List<Integer> removed : List.of(hole, scattered)) {
            assertTrue(removed.size() > 128, "more unknowns than the direct solve takes");
            float[] out = new float[x.length];
            new NoisyLinearImputation(c, h, w, 0).impute(x, removed.stream().mapToInt(Integer::intValue).toArray(),
                    removed.size(), 0, out, 0);
            for (int k = 0; k < x.length; k++) assertEquals(x[k], out[k], 2e-4, "value " + k);
        }
    }

    @Test
    void noiseIsKeyedAndHasTheConfiguredScale() {
        int h = 30, w = 30;
        float[] x = image(1, h, w, 2);
        int[] removed = new int[400];
        for (int k = 0; k < removed.length; k++) removed[k] = (k / 20 + 5) * w + k % 20 + 5;
        float[] clean = new float[x.length], a = new float[x.length], b = new float[x.length], other = new float[x.length];
        new NoisyLinearImputation(1, h, w, 0).impute(x, removed, removed.length, 7, clean, 0);
        NoisyLinearImputation noisy = new NoisyLinearImputation(1, h, w, 0.5);
        noisy.impute(x, removed, removed.length, 7, a, 0);
        noisy.impute(x, removed, removed.length, 7, b, 0);
        noisy.impute(x, removed, removed.length, 8, other, 0);
        assertArrayEquals(a, b, "same key, same imputation");
        double ss = 0;
        for (int p : removed) ss += (a[p] - clean[p]) * (a[p] - clean[p]);
        assertEquals(0.5, Math.sqrt(ss / removed.length), 0.05);
        assertNotEquals(a[removed[0]], other[removed[0]]);
    }

    @Test
    void removingTheTrueEvidenceOfALinearModelFirstDestroysAccuracyFasterThanRemovingItLast() {
        int h = 12, w = 12, k = 3;
        ModelSpec spec = new ModelSpec("linear", 1, h, w, k, Collections.nCopies(k, "k"), Preprocessing.identity(1));
        ModelWeights wts = Architectures.initialWeights(spec, 4);
        float[] fw = wts.get("fc.weight").data();
        List<MetricContext.Item> items = new ArrayList<>();
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, wts)) {
            ForwardEvaluator eval = new ForwardEvaluator(model, 64);
            for (int i = 0; items.size() < 10; i++) {
                float[] x = image(1, h, w, 300 + i);
                int[] target = {0};
                double best = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    double l = wts.get("fc.bias").data()[c];
                    for (int p = 0; p < x.length; p++) l += x[p] * fw[p * k + c];
                    if (l > best) { best = l; target[0] = c; }
                }
                float[] a = new float[x.length];
                for (int p = 0; p < x.length; p++) a[p] = x[p] * fw[p * k + target[0]];
                items.add(new MetricContext.Item("i" + i, x, a, null, target[0]));
            }
            MetricContext ctx = new MetricContext(spec, eval, null, 3, items);
            Road morf = new Road(true, Road.defaultPercentages(), 0.01), lerf = new Road(false, Road.defaultPercentages(), 0.01);
            double m = 0, l = 0;
            for (int i = 0; i < items.size(); i++) {
                MetricValue mv = morf.score(ctx, i);
                assertEquals(50, mv.curve().length);
                m += mv.value();
                l += lerf.score(ctx, i).value();
            }
            assertTrue(m < l, "mean ROAD accuracy: MoRF " + m / 10 + " vs LeRF " + l / 10);
            long rows = eval.rows();
            morf.score(ctx, 4);
            assertEquals(rows, eval.rows(), "the batch's imputed inputs are evaluated once");
            assertEquals(10 * 50 * 2, rows);
        }
    }
}
