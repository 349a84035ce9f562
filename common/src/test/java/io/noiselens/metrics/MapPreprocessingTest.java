package io.noiselens.metrics;

import io.noiselens.metrics.catalogue.MetricCatalogue;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Quantus's pre-processing options on maps worked out by hand, and a metric reading the processed batch. */
class MapPreprocessingTest {
    @Test
    void normalisesThenTakesAbsoluteValuesAsQuantusDoesPerMap() {
        float[] a = {4, -2, 1, 0};
        assertArrayEquals(new float[]{1, -0.5f, 0.25f, 0}, MapPreprocessing.MAX.apply(a));
        assertArrayEquals(new float[]{1, 0.5f, 0.25f, 0}, MapPreprocessing.MAX_ABS.apply(a));
        // Negative: positives / max (4), negatives / |min| (2).
        var negative = new MapPreprocessing(MapPreprocessing.Normalise.NEGATIVE, false);
        assertArrayEquals(new float[]{1, -1, 0.25f, 0}, negative.apply(a));
        assertArrayEquals(new float[]{-1, -0.5f}, negative.apply(new float[]{-4, -2}), "all negative: in [−1, 0]");
        assertArrayEquals(new float[]{4, 2, 1, 0}, MapPreprocessing.ABS.apply(a));
        assertArrayEquals(new float[4], MapPreprocessing.MAX.apply(new float[4]), "an all-zero map stays zero");
        assertSame(a, MapPreprocessing.NONE.apply(a));
        assertArrayEquals(new float[]{4, -2, 1, 0}, a, "the input is not modified");
    }

    @Test
    void aPreprocessedMetricReadsTheProcessedMapsAndSharesOneProcessedBatch() {
        ModelSpec spec = new ModelSpec("linear", 1, 2, 2, 2, java.util.Collections.nCopies(2, "k"),
                Preprocessing.identity(1));
        MetricContext ctx = new MetricContext(spec, null, List.of(new MetricContext.Item("x", new float[4],
                new float[]{-3, 1, 0, 0}, null, 0)));
        // Sparseness of |a| is unchanged by abs; pointing game of the signed map points at pixel 1, of |a| at pixel 0.
        boolean[] mask = {true, false, false, false};
        MetricContext masked = new MetricContext(spec, null, List.of(new MetricContext.Item("x", new float[4],
                new float[]{-3, 1, 0, 0}, mask, 0)));
        Metric pg = MetricCatalogue.create(List.of("pointing_game"), MetricCatalogue.Settings.defaults(), "t").get(0);
        assertEquals(0, pg.score(masked, 0).value());
        Metric pgAbs = MetricCatalogue.create(List.of("pointing_game"), MetricCatalogue.Settings.defaults()
                .withOptions("pointing_game", new MetricOptions(null, true, null, null)), "t").get(0);
        assertEquals(1, pgAbs.score(masked, 0).value());
        assertEquals(true, pgAbs.info().params().get("abs"));
        assertSame(ctx.preprocessed(MapPreprocessing.ABS), ctx.preprocessed(new MapPreprocessing(
                MapPreprocessing.Normalise.NONE, true)), "one processed batch per pre-processing");
        assertSame(ctx, ctx.preprocessed(MapPreprocessing.NONE));
    }
}
