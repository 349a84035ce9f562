package io.noiselens.metrics;

import io.noiselens.metrics.catalogue.MetricCatalogue;
import io.noiselens.metrics.faithfulness.Sufficiency;
import io.noiselens.metrics.robustness.Consistency;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Sufficiency and consistency on groups worked out by hand. */
class GroupMetricTest {
    /**
     * Four 1×4 maps: two near [1, 0, 0, 0] and two near [0, 0, 0, 1]. Each value's sample variance over the group is
     * the same for the moving values, so the standardised distances are proportional to the Euclidean ones: within a
     * pair 0.1/√v, across pairs ≈ 1.41/√v; divided by the largest, pairs are neighbours (≤ 0.6) and the others are not.
     */
    @Test
    void sufficiencyIsTheShareOfNeighboursSharingThePrediction() {
        List<float[]> maps = List.of(new float[]{1, 0, 0, 0}, new float[]{0.9f, 0, 0, 0.1f},
                new float[]{0, 0, 0, 1}, new float[]{0.1f, 0, 0, 0.9f});
        // Predictions: the first pair agrees, the second does not.
        GroupMetric.Group g = new GroupMetric.Group(maps, new int[]{3, 3, 1, 2}, 1, 4);
        MetricValue[] v = new Sufficiency(0.6).scores(g);
        assertArrayEquals(new double[]{1, 1, 0, 0}, values(v), 1e-12);
        // A radius of 1 makes everyone a neighbour: 1 of 3 shares image 0's class, none shares image 2's.
        assertArrayEquals(new double[]{1 / 3.0, 1 / 3.0, 0, 0}, values(new Sufficiency(1).scores(g)), 1e-12);
        // Values constant over the group (here the two middle ones) are left out instead of dividing by zero.
        assertTrue(java.util.Arrays.stream(v).allMatch(x -> Double.isFinite(x.value())));
        assertArrayEquals(new double[]{0}, values(new Sufficiency(0.6).scores(new GroupMetric.Group(
                List.of(new float[]{1, 2}), new int[]{0}, 1, 2))), "a group of one has no neighbours");
    }

    @Test
    void consistencyGroupsMapsByTheirTopBlockAndCountsAgreeingPredictions() {
        // 4×4 maps, 2×2 blocks: the top block of each map is where its 5 is.
        float[][] maps = new float[5][16];
        int[] top = {0, 0, 0, 3, 3};
        for (int i = 0; i < 5; i++) {
            int b = top[i], y0 = b / 2 * 2, x0 = b % 2 * 2;
            maps[i][y0 * 4 + x0] = 5;
            maps[i][15 - i] += 1;   // some other relevance elsewhere
        }
        GroupMetric.Group g = new GroupMetric.Group(List.of(maps), new int[]{7, 7, 8, 9, 9}, 4, 4);
        // Block 0: images 0, 1 (class 7) and 2 (class 8); block 3: images 3, 4 (class 9).
        assertArrayEquals(new double[]{0.5, 0.5, 0, 1, 1}, values(new Consistency(2).scores(g)), 1e-8);
    }

    @Test
    void theCatalogueBuildsGroupMetricsWithTheirPreprocessingRecorded() {
        List<GroupMetric> g = MetricCatalogue.createGroups(List.of("sufficiency", "gradient", "consistency"),
                MetricCatalogue.Settings.defaults());
        assertEquals(List.of("sufficiency", "consistency"), g.stream().map(m -> m.info().name()).toList());
        assertEquals("max", g.get(0).info().params().get("normalise"));
        assertEquals(true, g.get(1).info().params().get("abs"));
        assertTrue(MetricCatalogue.create(List.of("sufficiency"), MetricCatalogue.Settings.defaults(), "k").isEmpty(),
                "not a per-map metric");
    }

    private static double[] values(MetricValue[] v) {
        return java.util.Arrays.stream(v).mapToDouble(MetricValue::value).toArray();
    }
}
