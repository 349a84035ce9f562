package io.noiselens.metrics.complexity;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.catalogue.MetricCatalogue;
import io.noiselens.metrics.localisation.PointingGame;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Effective complexity and the weighted pointing game on 4×4 maps worked out by hand. */
class EffectiveComplexityTest {
    @Test
    void countsThePixelsAboveEpsilonOfTheMapsMaximum() {
        // |a| / max: 1, 0.5, 1e-6 (below ε), 2e-5 (above), the rest zero.
        float[] map = new float[16];
        map[0] = -4;
        map[3] = 2;
        map[5] = 4e-6f;
        map[9] = 8e-5f;
        // As the catalogue builds it: Quantus's defaults, |a| normalised by its maximum, then counted.
        Metric ec = MetricCatalogue.create(List.of("effective_complexity"), MetricCatalogue.Settings.defaults(), "t").get(0);
        assertEquals(3, ec.score(ComplexityHandWorkedTest.ctx(map), 0).value());
        assertEquals(0, ec.score(ComplexityHandWorkedTest.ctx(new float[16]), 0).value());
        float[] scaled = map.clone();
        for (int i = 0; i < 16; i++) scaled[i] *= 1000;
        assertEquals(3, ec.score(ComplexityHandWorkedTest.ctx(scaled), 0).value(), "scale-free");
        assertEquals(2, new EffectiveComplexity().score(ComplexityHandWorkedTest.ctx(map), 0).value(),
                "without the pre-processing the raw values count: 2 and 8e-5 exceed ε, −4 and 4e-6 do not");
    }

    @Test
    void aWeightedHitCountsOneMinusTheMasksShare() {
        float[] map = new float[16];
        map[5] = 1;
        boolean[] mask = new boolean[16];
        mask[5] = mask[6] = mask[9] = mask[10] = true;
        MetricContext ctx = new MetricContext(ComplexityHandWorkedTest.SPEC, null,
                List.of(new MetricContext.Item("x", new float[16], map, mask, 0)));
        assertEquals(1 - 4.0 / 16, new PointingGame(0, true).score(ctx, 0).value(), 1e-12);
        assertEquals(1, new PointingGame(0).score(ctx, 0).value());
        boolean[] elsewhere = new boolean[16];
        elsewhere[0] = true;
        MetricContext miss = new MetricContext(ComplexityHandWorkedTest.SPEC, null,
                List.of(new MetricContext.Item("x", new float[16], map, elsewhere, 0)));
        assertEquals(0, new PointingGame(0, true).score(miss, 0).value());
    }
}
