package io.noiselens.metrics.complexity;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricContext;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Sparseness (Gini) and complexity (entropy) on 4×4 maps worked out by hand. */
class ComplexityHandWorkedTest {
    static final ModelSpec SPEC = new ModelSpec("linear", 1, 4, 4, 2, Collections.nCopies(2, "k"), Preprocessing.identity(1));
    static final float[] MAP = {
            4, 3, 0, -1,
            2, 0, 0, 0,
            1, 0, 0, 0,
            0, 0, 0, 5};

    static MetricContext ctx(float[] map) {
        return new MetricContext(SPEC, null, List.of(new MetricContext.Item("x", new float[16], map, null, 0)));
    }

    static double score(Metric m, float[] map, boolean[] mask) {
        return m.score(ctx(map), 0).value();
    }

    @Test
    void giniAndEntropyHitTheirClosedFormsAtTheExtremes() {
        float[] oneHot = new float[16];
        oneHot[7] = 3;
        float[] uniform = new float[16];
        java.util.Arrays.fill(uniform, -2);
        assertEquals(15.0 / 16, score(new Sparseness(), oneHot, null), 1e-6); // (d−1)/d, the maximum
        assertEquals(0, score(new Sparseness(), uniform, null), 1e-9);
        assertEquals(0, score(new Complexity(), oneHot, null), 1e-9);
        assertEquals(Math.log(16), score(new Complexity(), uniform, null), 1e-9);
        // Hand-worked Gini of |MAP| sorted: ten 0s, 1, 1, 2, 3, 4, 5 (Σ = 16; +1e−7 each is negligible here).
        double num = 0;
        double[] sorted = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5};
        for (int k = 0; k < 16; k++) num += (2.0 * (k + 1) - 17) * sorted[k];
        assertEquals(num / (16 * 16), score(new Sparseness(), MAP, null), 1e-6);
    }

    @Test
    void anAllZeroMapHasNoComplexityAndSaysWhy() {
        assertTrue(new Complexity().score(ctx(new float[16]), 0).nanReason().contains("zero"));
    }
}
