package io.noiselens.metrics.stability;

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
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.noise.InputNoise;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Ye and Farnia's fidelity error ‖SG_σ − Grad‖₂ in closed form, against separately explained maps, over σ. */
class FidelityTest {
    static final int H = 6, W = 6, K = 3, N = 6;

    static List<float[]> inputs() {
        List<float[]> xs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            float[] x = new float[H * W];
            KeyedRandom.fillGaussian(80 + i, x, 0, x.length);
            xs.add(x);
        }
        return xs;
    }

    static AttributionMethod smoothGrad(double sigma) {
        return Methods.builder("smoothgrad").samples(32).inputNoise(sigma, InputNoise.Mode.ABSOLUTE)
                .target(TargetSource.LABEL).build();
    }

    static double[] fidelity(String arch, AttributionMethod method) {
        ModelSpec spec = new ModelSpec(arch, 1, H, W, K, Collections.nCopies(K, "c"), Preprocessing.identity(1));
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, Architectures.initialWeights(spec, 2))) {
            MetricContext ctx = Contexts.explained(model, method, inputs(), new int[]{0, 1, 2, 0, 1, 2}, 4);
            double[] out = new double[N];
            for (int i = 0; i < N; i++) out[i] = new FidelityError().score(ctx, i).value();
            return out;
        }
    }

    @Test
    void smoothingALinearModelsConstantGradientChangesNothing() {
        for (double v : fidelity("linear", smoothGrad(0.5))) assertEquals(0, v, 1e-5);
    }

    @Test
    void errorIsTheDistanceBetweenSmoothGradAndGradientExplainedSeparately() {
        ModelSpec spec = new ModelSpec("mlp", 1, H, W, K, Collections.nCopies(K, "c"), Preprocessing.identity(1));
        AttributionMethod sg = smoothGrad(0.3), grad = Methods.builder("gradient").target(TargetSource.LABEL).build();
        double[] metric = fidelity("mlp", sg);
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, Architectures.initialWeights(spec, 2))) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < N; i++) ids.add("img" + i);
            List<AttributionResult> r = new AttributionEngine(model, EngineOptions.defaults(4))
                    .explain(new ExplainBatch(ids, inputs(), new int[]{0, 1, 2, 0, 1, 2}), List.of(sg, grad)).results();
            for (int i = 0; i < N; i++) {
                float[] a = null, b = null;
                for (AttributionResult res : r) {
                    if (res.index() != i) continue;
                    if (res.method() == sg) a = res.map(); else b = res.map();
                }
                double ss = 0;
                for (int p = 0; p < a.length; p++) ss += (double) (a[p] - b[p]) * (a[p] - b[p]);
                assertEquals(Math.sqrt(ss), metric[i], 1e-5 * Math.max(1, metric[i]));
                assertTrue(metric[i] > 0, "a ReLU network's SmoothGrad differs from its gradient");
            }
        }
    }

    @Test
    void errorGrowsWithTheNoiseLevel() {
        double previous = 0;
        for (double sigma : new double[]{0.05, 0.2, 0.8, 3.2}) {
            double mean = 0;
            for (double v : fidelity("mlp", smoothGrad(sigma))) mean += v / N;
            System.out.printf("fidelity error at sigma %.2f: %.5f%n", sigma, mean);
            assertTrue(mean > previous, "σ = " + sigma + ": " + mean + " after " + previous);
            previous = mean;
        }
    }
}
