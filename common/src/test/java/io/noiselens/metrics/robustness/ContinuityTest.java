package io.noiselens.metrics.robustness;

import io.noiselens.attribution.AttributionMethod;
import io.noiselens.methods.MethodCatalogue;
import io.noiselens.metrics.Contexts;
import io.noiselens.metrics.MetricContext;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Continuity on the linear model with the real engine re-explaining translated copies: the gradient does not move
 * (score 0); Gradient × Input moves by (x − x_τ) ⊙ w_c, the maximum over the shifts written out here.
 */
class ContinuityTest {
    static final int H = 6, W = 8, K = 3;
    static final ModelSpec SPEC = new ModelSpec("linear", 1, H, W, K, Collections.nCopies(K, "k"), Preprocessing.identity(1));

    @Test
    void theGradientOfALinearModelIsContinuousAndGradientTimesInputMatchesItsClosedForm() {
        ModelWeights w = Architectures.initialWeights(SPEC, 31);
        float[] fc = w.get("fc.weight").data();
        float[] x = new float[H * W];
        KeyedRandom.fillGaussian(32, x, 0, x.length);
        int steps = 6;
        Continuity continuity = new Continuity(steps, false);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            AttributionMethod gradient = MethodCatalogue.method("gradient");
            MetricContext g = Contexts.explained(model, gradient, List.of(x), new int[]{0}, 3);
            assertEquals(0, continuity.score(g, 0).value(), 1e-5);
            MetricContext gxi = Contexts.explained(model, MethodCatalogue.method("gradient_x_input"), List.of(x),
                    new int[]{0}, 3);
            int c = gxi.item(0).target();
            float min = Float.POSITIVE_INFINITY;
            for (float v : x) min = Math.min(min, v);
            int dx = (2 * W + 1) / (steps + 1);
            double worst = 0;
            for (int k = 1; k <= steps; k++) {
                int tau = -W + k * dx;
                if (tau == 0) continue;
                double l1 = 0, l2 = 0;
                for (int r = 0; r < H; r++) {
                    for (int col = 0; col < W; col++) {
                        int p = r * W + col, from = col - tau;
                        float shifted = from >= 0 && from < W ? x[r * W + from] : min;
                        l1 += Math.abs((x[p] - shifted) * fc[p * K + c]);
                        l2 += (x[p] - (double) shifted) * (x[p] - shifted);
                    }
                }
                worst = Math.max(worst, l1 / (Math.sqrt(l2) + 1e-9));
            }
            assertTrue(worst > 0.01);
            assertEquals(worst, continuity.score(gxi, 0).value(), 1e-4 * worst);
        }
    }
}
