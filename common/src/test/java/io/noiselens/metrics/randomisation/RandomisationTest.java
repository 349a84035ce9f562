package io.noiselens.metrics.randomisation;

import io.noiselens.metrics.*;
import io.noiselens.attribution.AttributionEngine;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class RandomisationTest {
    @Test
    void ssimOfOneWindowMatchesTheFormulaWorkedOut() {
        float[] a = new float[49], b = new float[49];
        KeyedRandom.fillGaussian(1, a, 0, 49);
        KeyedRandom.fillGaussian(2, b, 0, 49);
        double ma = 0, mb = 0;
        for (int i = 0; i < 49; i++) {
            ma += a[i] / 49.0;
            mb += b[i] / 49.0;
        }
        double va = 0, vb = 0, vab = 0, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < 49; i++) {
            va += (a[i] - ma) * (a[i] - ma) / 48;
            vb += (b[i] - mb) * (b[i] - mb) / 48;
            vab += (a[i] - ma) * (b[i] - mb) / 48;
            lo = Math.min(lo, Math.min(a[i], b[i]));
            hi = Math.max(hi, Math.max(a[i], b[i]));
        }
        double c1 = Math.pow(0.01 * (hi - lo), 2), c2 = Math.pow(0.03 * (hi - lo), 2);
        double expected = (2 * ma * mb + c1) * (2 * vab + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
        assertEquals(expected, Similarity.ssim(a, b, 7, 7), 1e-6);
        assertEquals(1, Similarity.ssim(a, a, 7, 7), 1e-9);
        assertTrue(Similarity.ssim(a, b, 7, 7) < 0.5, "independent noise maps are dissimilar");
    }

    @Test
    void randomLogitComparesTheMapWithTheMapOfAnotherClass() {
        int h = 7, w = 7, k = 4;
        ModelSpec spec = new ModelSpec("linear", 1, h, w, k, Collections.nCopies(k, "c"), Preprocessing.identity(1));
        ModelWeights weights = Architectures.initialWeights(spec, 3);
        float[] fc = weights.get("fc.weight").data();
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, weights)) {
            AttributionEngine engine = new AttributionEngine(model, EngineOptions.defaults(1));
            var method = Methods.builder("gradient").build();
            List<MetricContext.Item> items = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            List<float[]> xs = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                float[] x = new float[h * w];
                KeyedRandom.fillGaussian(60 + i, x, 0, x.length);
                ids.add("r" + i);
                xs.add(x);
            }
            for (AttributionResult r : engine.explain(new ExplainBatch(ids, xs, new int[12]), List.of(method)).results()) {
                items.add(new MetricContext.Item(ids.get(r.index()), xs.get(r.index()), r.map(), null, r.target()));
            }
            int[][] asked = new int[1][];
            MetricContext.Reexplainer again = (in, pids, targets, variant) -> {
                asked[0] = targets.clone();
                float[][] maps = new float[in.size()][];
                for (AttributionResult r : engine.explain(new ExplainBatch(pids, in, targets),
                        List.of(method.withTarget(TargetSource.LABEL))).results()) maps[r.index()] = r.map();
                return maps;
            };
            MetricContext ctx = new MetricContext(spec, null, again, 5, items);
            Set<Integer> offClasses = new HashSet<>();
            for (int i = 0; i < 12; i++) {
                double v = new RandomLogit().score(ctx, i).value();
                int c = items.get(i).target(), other = asked[0][i];
                assertNotEquals(c, other);
                offClasses.add(other);
                float[] wc = new float[h * w], wo = new float[h * w];
                for (int p = 0; p < h * w; p++) {
                    wc[p] = fc[p * k + c];   // the gradient of a linear model's logit c is w_c
                    wo[p] = fc[p * k + other];
                }
                assertEquals(Similarity.ssim(wc, wo, h, w), v, 1e-5);
            }
            assertTrue(offClasses.size() >= 2, "the off class is drawn, not fixed");
        }
    }
}
