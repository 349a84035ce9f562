package io.noiselens.metrics.robustness;

import io.noiselens.metrics.*;
import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.methods.Methods;
import io.noiselens.attribution.TargetSource;
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

/**
 * Robustness metrics with the real engine re-explaining a linear model, whose maps have closed forms: the gradient
 * is constant (all three scores 0), and Gradient × Input moves by (x_k − x) ⊙ w_c.
 */
class RobustnessTest {
    static final int H = 5, W = 5, K = 3;
    static final ModelSpec SPEC = new ModelSpec("linear", 1, H, W, K, Collections.nCopies(K, "k"), Preprocessing.identity(1));

    record Setup(MetricContext ctx, List<float[]> seen, int[] calls, ModelWeights w, List<float[]> xs, int[] targets) {}

    static Setup setup(SameDiffClassifier model, ModelWeights w, AttributionMethod method) {
        AttributionEngine engine = new AttributionEngine(model, EngineOptions.defaults(3));
        List<String> ids = new ArrayList<>();
        List<float[]> xs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            float[] x = new float[H * W];
            KeyedRandom.fillGaussian(40 + i, x, 0, x.length);
            ids.add("i" + i);
            xs.add(x);
        }
        List<AttributionResult> clean = engine.explain(new ExplainBatch(ids, xs, new int[]{0, 1, 2, 0}), List.of(method)).results();
        List<MetricContext.Item> items = new ArrayList<>();
        int[] targets = new int[4];
        for (AttributionResult r : clean) {
            targets[r.index()] = r.target();
            items.add(new MetricContext.Item(ids.get(r.index()), xs.get(r.index()), r.map(), null, r.target()));
        }
        List<float[]> seen = new ArrayList<>();
        int[] calls = {0};
        MetricContext.Reexplainer again = (in, pids, t, variant) -> {
            calls[0]++;
            seen.addAll(in);
            float[][] maps = new float[in.size()][];
            for (AttributionResult r : engine.explain(new ExplainBatch(pids, in, t), List.of(method.withTarget(TargetSource.LABEL))).results()) {
                maps[r.index()] = r.map();
            }
            return maps;
        };
        return new Setup(new MetricContext(SPEC, null, again, 9, items), seen, calls, w, xs, targets);
    }

    @Test
    void constantGradientIsPerfectlyRobust() {
        ModelWeights w = Architectures.initialWeights(SPEC, 1);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            Setup s = setup(model, w, Methods.builder("gradient").build());
            for (Metric m : List.of(new Sensitivity(true, 5, 0.2), new Sensitivity(false, 5, 0.2), new LocalLipschitzEstimate(5, 0.1))) {
                for (int i = 0; i < 4; i++) assertEquals(0, m.score(s.ctx(), i).value(), 1e-6, m.info().name());
            }
        }
    }

    @Test
    void gradientTimesInputMatchesTheClosedFormOnTheSameDraws() {
        ModelWeights w = Architectures.initialWeights(SPEC, 2);
        float[] fc = w.get("fc.weight").data();
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            Setup s = setup(model, w, Methods.builder("gradient_x_input").build());
            Sensitivity max = new Sensitivity(true, 6, 0.2), avg = new Sensitivity(false, 6, 0.2);
            for (int i = 0; i < 4; i++) {
                double mx = max.score(s.ctx(), i).value(), av = avg.score(s.ctx(), i).value();
                float[] x = s.xs().get(i);
                int c = s.targets()[i];
                double base = 0, worst = 0, mean = 0;
                for (int j = 0; j < x.length; j++) base += Math.pow(x[j] * fc[j * K + c], 2);
                for (int k = 0; k < 6; k++) {
                    float[] xk = s.seen().get(i * 6 + k);
                    double d = 0;
                    for (int j = 0; j < x.length; j++) {
                        assertTrue(Math.abs(xk[j] - x[j]) <= 0.2 + 1e-6, "uniform noise beyond the radius");
                        d += Math.pow((xk[j] - x[j]) * fc[j * K + c], 2);
                    }
                    worst = Math.max(worst, Math.sqrt(d / base));
                    mean += Math.sqrt(d / base) / 6;
                }
                assertEquals(worst, mx, 1e-5 * Math.max(1, worst));
                assertEquals(mean, av, 1e-5 * Math.max(1, mean));
                assertTrue(mx >= av);
            }
            assertEquals(1, s.calls()[0], "max and avg sensitivity share one batch of re-explanations");
            LocalLipschitzEstimate lle = new LocalLipschitzEstimate(4, 0.1);
            double bound = 0;
            for (float v : fc) bound = Math.max(bound, Math.abs(v));
            for (int i = 0; i < 4; i++) {
                double v = lle.score(s.ctx(), i).value();
                assertTrue(v > 0 && v <= bound + 1e-6, "LLE " + v + " must lie in (0, max|w|]");
            }
            assertEquals(2, s.calls()[0]);
        }
    }

    @Test
    void withoutAReexplainerTheScoreIsNaNWithAReason() {
        MetricContext ctx = new MetricContext(SPEC, null, List.of(new MetricContext.Item("a", new float[25], new float[25], null, 0)));
        MetricValue v = new Sensitivity(true, 3, 0.2).score(ctx, 0);
        assertTrue(Double.isNaN(v.value()));
        assertNotNull(v.nanReason());
    }
}
