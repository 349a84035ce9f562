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

/** Deletion and insertion on a linear model, whose probabilities have a closed form. */
class CausalMetricTest {
    static final int H = 6, W = 6, K = 3;
    static final ModelSpec SPEC = new ModelSpec("linear", 1, H, W, K, Collections.nCopies(K, "k"), Preprocessing.identity(1));

    static double prob(ModelWeights w, float[] x, int c) {
        float[] fw = w.get("fc.weight").data(), fb = w.get("fc.bias").data();
        double[] l = new double[K];
        for (int k = 0; k < K; k++) {
            l[k] = fb[k];
            for (int i = 0; i < x.length; i++) l[k] += x[i] * fw[i * K + k];
        }
        double max = Math.max(l[0], Math.max(l[1], l[2])), s = 0;
        for (double v : l) s += Math.exp(v - max);
        return Math.exp(l[c] - max) / s;
    }

    /** x ⊙ w_c: the exact contribution of each pixel to the logit of c (zero substrate). */
    static float[] trueAttribution(ModelWeights w, float[] x, int c) {
        float[] a = new float[x.length];
        for (int i = 0; i < x.length; i++) a[i] = x[i] * w.get("fc.weight").data()[i * K + c];
        return a;
    }

    @Test
    void deletionCurveIsTheClosedFormProbabilityAfterEachStep() {
        ModelWeights w = Architectures.initialWeights(SPEC, 2);
        float[] x = new float[H * W];
        KeyedRandom.fillGaussian(3, x, 0, x.length);
        float[] map = trueAttribution(w, x, 1);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            MetricContext ctx = new MetricContext(SPEC, new ForwardEvaluator(model, 7),
                    List.of(new MetricContext.Item("a", x, map, null, 1)));
            MetricValue v = new CausalMetric(CausalMetric.Mode.DELETION, 5).score(ctx, 0);
            int[] rank = ctx.ranking(0);
            double[] curve = v.curve();
            assertEquals((H * W + 4) / 5 + 1, curve.length); // ⌈36/5⌉ + 1 = 9 points
            for (int s = 0; s < curve.length; s++) {
                float[] xs = x.clone();
                for (int r = 0; r < Math.min(x.length, s * 5); r++) xs[rank[r]] = 0;
                assertEquals(prob(w, xs, 1), curve[s], 1e-5, "step " + s);
            }
            double sum = 0;
            for (double c : curve) sum += c;
            assertEquals((sum - curve[0] / 2 - curve[curve.length - 1] / 2) / (curve.length - 1), v.value(), 1e-12);
        }
    }

    @Test
    void trueAttributionOfALinearModelBeatsRandomRankings() {
        ModelWeights w = Architectures.initialWeights(SPEC, 4);
        List<MetricContext.Item> truth = new ArrayList<>(), random = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            float[] x = new float[H * W], r = new float[H * W];
            KeyedRandom.fillGaussian(100 + i, x, 0, x.length);
            KeyedRandom.fillGaussian(200 + i, r, 0, r.length);
            truth.add(new MetricContext.Item("t" + i, x, trueAttribution(w, x, i % K), null, i % K));
            random.add(new MetricContext.Item("r" + i, x, r, null, i % K));
        }
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            ForwardEvaluator eval = new ForwardEvaluator(model, 64);
            MetricContext t = new MetricContext(SPEC, eval, truth), r = new MetricContext(SPEC, eval, random);
            Metric deletion = new CausalMetric(CausalMetric.Mode.DELETION, 1);
            Metric insertion = new CausalMetric(CausalMetric.Mode.INSERTION, 1);
            double dt = 0, dr = 0, it = 0, ir = 0;
            int wins = 0;
            for (int i = 0; i < truth.size(); i++) {
                dt += deletion.score(t, i).value();
                dr += deletion.score(r, i).value();
                it += insertion.score(t, i).value();
                ir += insertion.score(r, i).value();
                if (deletion.score(t, i).value() < deletion.score(r, i).value()) wins++;
            }
            assertTrue(dt < dr, "mean deletion AUC: true " + dt / 12 + ", random " + dr / 12);
            assertTrue(it > ir, "mean insertion AUC: true " + it / 12 + ", random " + ir / 12);
            assertTrue(wins >= 10, "true ranking won deletion on " + wins + " of 12 images");
            long rowsBefore = eval.rows();
            deletion.score(t, 3);
            assertEquals(rowsBefore, eval.rows(), "the batch's curves are computed once and shared");
        }
    }
}
