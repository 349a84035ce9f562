package io.noiselens.drivers;

import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.attribution.GradientXInput;
import io.noiselens.methods.Methods;
import io.noiselens.attribution.TargetSource;
import io.noiselens.config.JobConfigLoader;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.complexity.Autvc;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.SmallCnn;
import io.noiselens.noise.InputNoise;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** SmoothTaylor in closed form on a linear model, its σ → 0 limit, and adaptive noising's search. */
class SmoothTaylorTest {
    static AttributionMethod smoothTaylor(double sigma, int samples) {
        return Methods.builder("smoothtaylor").samples(samples).inputNoise(sigma, InputNoise.Mode.ABSOLUTE)
                .channelReduction(io.noiselens.attribution.ChannelReduction.NONE).build();
    }

    @Test
    void onALinearModelTheTaylorTermsAreMinusTheNoiseTimesTheWeights() {
        int h = 5, w = 5, k = 3;
        ModelSpec spec = new ModelSpec("linear", 1, h, w, k, Collections.nCopies(k, "c"), Preprocessing.identity(1));
        ModelWeights weights = Architectures.initialWeights(spec, 8);
        float[] x = new float[h * w];
        KeyedRandom.fillGaussian(3, x, 0, x.length);
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, weights)) {
            AttributionEngine engine = new AttributionEngine(model, EngineOptions.defaults(5));
            AttributionMethod st = smoothTaylor(0.4, 16), half = smoothTaylor(0.2, 16).withDriver(null);
            // SmoothGrad over Gradient × Input on the same keyed noise: mean (x + σε) ⊙ w.
            AttributionMethod sgxi = Methods.builder("smoothgrad").id("sgxi").base(new GradientXInput()).samples(16)
                    .inputNoise(0.4, InputNoise.Mode.ABSOLUTE).channelReduction(io.noiselens.attribution.ChannelReduction.NONE).build();
            AttributionMethod halfId = new AttributionMethod("half", half.kind(), half.base(), half.plan(), half.output(),
                    half.target(), half.abs(), half.channelReduction());
            List<AttributionResult> r = engine.explain(new ExplainBatch(List.of("img"), List.of(x), new int[]{0}),
                    List.of(st, sgxi, halfId)).results();
            int c = r.get(0).target();
            float[] wc = new float[x.length];
            for (int p = 0; p < x.length; p++) wc[p] = weights.get("fc.weight").data()[p * k + c];
            for (int p = 0; p < x.length; p++) {
                // (x − z) ⊙ w averaged = x⊙w − mean(z)⊙w = GxI(x) − SG(GxI)(x).
                assertEquals(x[p] * wc[p] - r.get(1).map()[p], r.get(0).map()[p], 1e-5);
                // The same roots at half the scale: exactly half the map; σ → 0 sends it to 0.
                assertEquals(r.get(0).map()[p] / 2, r.get(2).map()[p], 1e-6);
            }
            assertTrue(r.get(0).l2() > 0);
        }
    }

    @Test
    void theSearchFollowsTheReferenceRulesOnAKnownObjective() {
        AdaptiveNoising search = AdaptiveNoising.defaults(AdaptiveNoising.Objective.AUTVC);
        int[] calls = {0};
        AdaptiveNoising.Outcome<Double> o = search.search(0.2, s -> {
            calls[0]++;
            return new AdaptiveNoising.Candidate<>((s - 0.73) * (s - 0.73), s);
        });
        assertEquals(0.73, o.sigma(), 0.05, "the minimum of (σ − 0.73)²");
        assertEquals(o.sigma(), o.best(), 1e-12);
        assertEquals(calls[0], o.evaluations());
        assertTrue(o.evaluations() <= 1 + 2 * 20, "at most two candidates per iteration");
        // A decreasing objective: every step goes up by lr, 20 iterations, 21 evaluations.
        AdaptiveNoising.Outcome<Double> up = search.search(0.0, s -> new AdaptiveNoising.Candidate<>(-s, s));
        assertEquals(2.0, up.sigma(), 1e-9);
        assertEquals(21, up.evaluations());
    }

    @Test
    void adaptiveNoisingStoresTheChosenSigmaAndNeverEndsAboveTheStart() {
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 48, 48, 5, Collections.nCopies(5, "c"), Preprocessing.identity(3));
        AttributionMethod adaptive = JobConfigLoader.fromString(
                "methods = [{kind = smoothtaylor, samples = 8, adaptive = autvc}]", List.of()).methods().get(0).build();
        assertNotNull(adaptive.driver());
        assertEquals("autvc", adaptive.params(1).get("adaptive_objective"));
        float[] x = new float[spec.inputSize()];
        KeyedRandom.fillGaussian(12, x, 0, x.length);
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, Architectures.initialWeights(spec, 4))) {
            AttributionEngine engine = new AttributionEngine(model, EngineOptions.defaults(2));
            AttributionResult r = engine.explain(new ExplainBatch(List.of("a"), List.of(x), new int[]{-1}),
                    List.of(adaptive)).results().get(0);
            double chosen = (double) r.details().get("sigma_chosen"), value = (double) r.details().get("adaptive_objective_value");
            int evaluations = (int) r.details().get("adaptive_evaluations");
            assertTrue(evaluations >= 2 && evaluations <= 41, "evaluations " + evaluations);
            double meanAbs = 0;
            for (float v : x) meanAbs += Math.abs(v) / x.length;
            // Recompute both objectives independently with fixed-σ SmoothTaylor maps.
            double atChosen = autvc(engine, spec, x, r.target(), chosen), atStart = autvc(engine, spec, x, r.target(), meanAbs);
            assertEquals(value, atChosen, 1e-9, "the stored objective is the chosen σ's");
            assertTrue(atChosen <= atStart, "chosen " + atChosen + " vs start " + atStart);
            System.out.printf("adaptive noising: σ0 %.3f (AUTVC %.4f) -> σ %.3f (AUTVC %.4f) in %d evaluations%n",
                    meanAbs, atStart, chosen, atChosen, evaluations);
        }
    }

    static double autvc(AttributionEngine engine, ModelSpec spec, float[] x, int target, double sigma) {
        AttributionMethod fixed = Methods.builder("smoothtaylor").samples(8).inputNoise(sigma, InputNoise.Mode.ABSOLUTE)
                .target(TargetSource.LABEL).build();
        AttributionResult r = engine.explain(new ExplainBatch(List.of("a"), List.of(x), new int[]{target}), List.of(fixed))
                .results().get(0);
        return new Autvc(1.5, 30).of(MetricContext.heatmap(r.map(), r.channels(), spec.height() * spec.width()),
                spec.height(), spec.width()).value();
    }
}
