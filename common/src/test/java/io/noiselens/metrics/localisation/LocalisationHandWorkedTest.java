package io.noiselens.metrics.localisation;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.localisation.AttributionLocalisation;
import io.noiselens.metrics.localisation.MaskAuc;
import io.noiselens.metrics.localisation.PointingGame;
import io.noiselens.metrics.localisation.RelevanceMassAccuracy;
import io.noiselens.metrics.localisation.RelevanceRankAccuracy;
import io.noiselens.metrics.localisation.TopKIntersection;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Mask metrics on 4×4 maps worked out by hand, and their invariants. */
class LocalisationHandWorkedTest {
    static final ModelSpec SPEC = new ModelSpec("linear", 1, 4, 4, 2, Collections.nCopies(2, "k"), Preprocessing.identity(1));

    // Map (row-major 4×4) and a 2×2 mask in the top-left corner.
    static final float[] MAP = {
            4, 3, 0, -1,
            2, 0, 0, 0,
            1, 0, 0, 0,
            0, 0, 0, 5};
    static final boolean[] MASK = mask(0, 1, 4, 5);

    static boolean[] mask(int... cells) {
        boolean[] m = new boolean[16];
        for (int c : cells) m[c] = true;
        return m;
    }

    static MetricContext ctx(float[] map, boolean[] mask) {
        return new MetricContext(SPEC, null, List.of(new MetricContext.Item("x", new float[16], map, mask, 0)));
    }

    static double score(Metric m, float[] map, boolean[] mask) {
        return m.score(ctx(map, mask), 0).value();
    }

    @Test
    void localisationMetricsMatchHandWorkedValues() {
        // Σ|a| = 4+3+1+2+1+5 = 16, inside = 4+3+2+0 = 9.
        assertEquals(9.0 / 16, score(new AttributionLocalisation(false), MAP, MASK), 1e-12);
        assertEquals(9.0 / 16 * 4 / 16, score(new AttributionLocalisation(true), MAP, MASK), 1e-12);
        // Positive relevance: 4+3+2+1+5 = 15, of which 9 inside.
        assertEquals(9.0 / 15, score(new RelevanceMassAccuracy(), MAP, MASK), 1e-12);
        // The maximum (5) is at cell 15, far from the mask: a miss; within 3 px of cell 5? distance √(4+4)=2.83.
        assertEquals(0, score(new PointingGame(0), MAP, MASK));
        assertEquals(1, score(new PointingGame(2.9), MAP, MASK));
        assertEquals(0, score(new PointingGame(2.8), MAP, MASK));
        // Ranking: 15(5), 0(4), 1(3), 4(2), 8(1), then the zeros by index: 2, 5, 6, …, then 3(−1).
        assertEquals(0.0, score(new TopKIntersection(1), MAP, MASK));
        assertEquals(2.0 / 3, score(new TopKIntersection(3), MAP, MASK), 1e-12);
        // K = |s| = 4: top-4 = {15, 0, 1, 4}, three inside.
        assertEquals(3.0 / 4, score(new RelevanceRankAccuracy(), MAP, MASK), 1e-12);
        // AUC: positives {0:4, 1:3, 4:2, 5:0}; negatives 12 cells {15:5, 8:1, ten 0s, 3:−1}.
        // Pairs won: 4 beats 11 (all but 5) = 11; 3 beats 11; 2 beats 11; 0 beats 1 (−1) and ties 9 other zeros: 1 + 4.5.
        assertEquals((11 + 11 + 11 + 1 + 4.5) / (4 * 12), score(new MaskAuc(), MAP, MASK), 1e-12);
    }

    @Test
    void undefinedScoresCarryAReason() {
        MetricValue none = new PointingGame(0).score(ctx(MAP, null), 0);
        assertTrue(Double.isNaN(none.value()));
        assertTrue(none.nanReason().contains("no ground-truth mask"));
        MetricValue empty = new MaskAuc().score(ctx(MAP, new boolean[16]), 0);
        assertTrue(empty.nanReason().contains("empty"));
    }

    @Test
    void aMapAlignedWithTheMaskBeatsRandomMapsOnEveryLocalisationMetric() {
        ModelSpec spec = new ModelSpec("linear", 1, 16, 16, 2, Collections.nCopies(2, "k"), Preprocessing.identity(1));
        boolean[] mask = new boolean[256];
        for (int y = 4; y < 9; y++) for (int x = 6; x < 12; x++) mask[y * 16 + x] = true;
        List<MetricContext.Item> items = new ArrayList<>();
        float[] aligned = new float[256];
        for (int p = 0; p < 256; p++) aligned[p] = mask[p] ? 1f + 0.01f * p : 0.001f * (p % 7);
        items.add(new MetricContext.Item("aligned", new float[256], aligned, mask, 0));
        for (int r = 0; r < 20; r++) {
            float[] random = new float[256];
            KeyedRandom.fillGaussian(r, random, 0, 256);
            items.add(new MetricContext.Item("random" + r, new float[256], random, mask, 0));
        }
        MetricContext ctx = new MetricContext(spec, null, items);
        for (Metric m : List.of(new PointingGame(0), new AttributionLocalisation(false), new AttributionLocalisation(true),
                new TopKIntersection(30), new RelevanceMassAccuracy(), new RelevanceRankAccuracy(), new MaskAuc())) {
            double best = m.score(ctx, 0).value();
            for (int r = 1; r < items.size(); r++) {
                double v = m.score(ctx, r).value();
                assertTrue(m.info().higherIsBetter() ? best > v || (best == v && best == 1) : best < v,
                        m.info().name() + ": aligned " + best + " vs random " + v);
            }
        }
    }
}
