package io.noiselens.drivers;

import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.Driver;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.attribution.NoisePlan;
import io.noiselens.attribution.TargetSource;
import io.noiselens.lang.Errors;
import io.noiselens.metrics.ForwardEvaluator;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.complexity.Autvc;
import io.noiselens.metrics.faithfulness.Aupc;
import io.noiselens.model.ModelSpec;
import io.noiselens.noise.InputNoise;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * SmoothTaylor's adaptive noising (Goh et al., ICPR 2020; code {@code experiment_adaptive_noising.py};
 * METHODS.md §5.2): per image, a search over the absolute noise scale σ that minimises AUPC (sensitivity) or AUTVC
 * (noise level) of the SmoothTaylor map, starting from σ₀ = mean|x| with step lr = 0.1: try σ + lr, else σ − lr
 * (|·|), take the move even when worse, shrink lr by 0.9 after a worse move (at most 3 times in a row, then stop),
 * at most 20 iterations; the best σ seen wins. Every candidate reuses the same keyed roots ε_i (the stream depends on
 * image and sample index only), so A(σ) is a smooth function of σ rather than a noisy one. The chosen σ, its
 * objective value and the number of evaluations are stored with the map.
 */
public record AdaptiveNoising(Objective objective, double learningRate, double decay, int maxStop, int maxIterations)
        implements Driver {
    /** What the search minimises; both are lower-is-better. */
    public enum Objective { AUPC, AUTVC }

    public static AdaptiveNoising defaults(Objective objective) {
        return new AdaptiveNoising(objective, 0.1, 0.9, 3, 20);
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("driver", "adaptive_noising");
        m.put("adaptive_objective", objective.name().toLowerCase());
        m.put("adaptive_lr", learningRate);
        m.put("adaptive_decay", decay);
        m.put("adaptive_max_stop_count", maxStop);
        m.put("adaptive_max_iterations", maxIterations);
        m.put("adaptive_sigma_init", "mean|x|");
        m.put("adaptive_sigma_mode", "absolute");
        return m;
    }

    /** SmoothTaylor's σ → 0 limit (a zero map) is the reference of fidelity error. */
    @Override
    public boolean hasNoiseFreeLimit() {
        return true;
    }

    /** The outcome of a search: the best σ, its objective value and map, and how many σ were evaluated. */
    public record Outcome<T>(double sigma, double value, T best, int evaluations) {}

    /** A candidate's objective value and what produced it. */
    public record Candidate<T>(double value, T result) {}

    /** The search of METHODS.md §5.2 over {@code evaluate}, from σ₀. */
    public <T> Outcome<T> search(double sigma0, DoubleFunction<Candidate<T>> evaluate) {
        double sigma = sigma0, lr = learningRate;
        Candidate<T> current = evaluate.apply(sigma);
        double bestSigma = sigma;
        Candidate<T> best = current;
        int evaluations = 1, stop = 0;
        for (int it = 0; it < maxIterations; it++) {
            double candidate = Math.abs(sigma + lr);
            Candidate<T> c = evaluate.apply(candidate);
            evaluations++;
            if (c.value() > current.value()) {
                candidate = Math.abs(sigma - lr);
                c = evaluate.apply(candidate);
                evaluations++;
            }
            sigma = candidate;
            if (c.value() > current.value()) {
                if (stop < maxStop) {
                    lr *= decay;
                    stop++;
                } else {
                    break;
                }
            } else {
                stop = 0;
                if (c.value() < best.value()) {
                    best = c;
                    bestSigma = sigma;
                }
            }
            current = c;
        }
        return new Outcome<>(bestSigma, best.value(), best.result(), evaluations);
    }

    @Override
    public List<AttributionResult> explain(AttributionEngine engine, ExplainBatch batch, AttributionMethod method,
                                           int[] targets) {
        ModelSpec spec = engine.model().spec();
        ForwardEvaluator evaluator = new ForwardEvaluator(engine.model(), engine.microBatch());
        List<AttributionResult> out = new ArrayList<>();
        for (int b = 0; b < batch.size(); b++) {
            float[] x = batch.inputs().get(b);
            String id = batch.ids().get(b);
            int target = targets[b];
            double meanAbs = 0;
            for (float v : x) meanAbs += Math.abs(v) / x.length;
            Outcome<AttributionResult> o = search(meanAbs, sigma -> {
                NoisePlan p = method.plan();
                AttributionMethod fixed = method.withDriver(null).withTarget(TargetSource.LABEL)
                        .withPlan(new NoisePlan(1, p.weightNoise(), p.samples(), new InputNoise(sigma, InputNoise.Mode.ABSOLUTE),
                                p.aggregation()));
                AttributionResult r = engine.explain(new ExplainBatch(List.of(id), List.of(x), new int[]{target}),
                        List.of(fixed)).results().get(0);
                return new Candidate<>(objective(spec, evaluator, engine, id, x, target, r), r);
            });
            AttributionResult r = o.best();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("sigma_chosen", o.sigma());
            details.put("adaptive_objective_value", o.value());
            details.put("adaptive_evaluations", o.evaluations());
            out.add(new AttributionResult(b, method, target, r.map(), r.channels(), r.height(), r.width(),
                    (long) o.evaluations() * r.draws(), Double.NaN, Double.NaN, Double.NaN, details));
        }
        return out;
    }

    private double objective(ModelSpec spec, ForwardEvaluator evaluator, AttributionEngine engine, String id, float[] x,
                             int target, AttributionResult r) {
        int plane = spec.height() * spec.width();
        float[] heat = MetricContext.heatmap(r.map(), r.channels(), plane);
        MetricValue v = objective == Objective.AUTVC ? Autvc.DEFAULT.of(heat, spec.height(), spec.width())
                : Aupc.DEFAULT.score(new MetricContext(spec, evaluator, null, engine.options().runSeed(),
                List.of(new MetricContext.Item(id, x, heat, null, target))), 0);
        if (Double.isNaN(v.value())) {
            throw Errors.methodCannotExplain("Adaptive noising on " + objective.name().toLowerCase(), id,
                    v.nanReason(), "Set adaptive = " + (objective == Objective.AUTVC ? "aupc" : "autvc")
                            + " or none for this method.");
        }
        return v.value();
    }
}
