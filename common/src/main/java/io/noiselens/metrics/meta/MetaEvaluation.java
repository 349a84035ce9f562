package io.noiselens.metrics.meta;

import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.attribution.Explanation;
import io.noiselens.metrics.BatchScorer;
import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricValue;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelWeights;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Runs MetaQuantus's perturbation tests on one explained batch: for each {@link MetaTest}, iteration k &lt;
 * {@code iterations} and perturbation n &lt; {@code perturbations}, the model's weights or the batch's inputs are
 * perturbed, every method re-explains the batch and every metric re-scores it there (as MetaQuantus recomputes
 * explanations and scores on the perturbed model or input), and each score is paired with its clean value and
 * whether the perturbation changed the image's predicted class. The model's own weights are restored afterwards.
 * Costs 4·K·N runs of the methods and metrics on the batch.
 */
public final class MetaEvaluation {
    private final ClassifierModel model;
    private final EngineOptions options;
    private final List<AttributionMethod> methods;
    private final BatchScorer scorer;
    private final int iterations, perturbations;

    public MetaEvaluation(ClassifierModel model, EngineOptions options, List<AttributionMethod> methods, BatchScorer scorer,
                          int iterations, int perturbations) {
        if (iterations < 1 || perturbations < 1) throw new IllegalArgumentException("iterations and perturbations ≥ 1");
        this.model = model;
        this.options = options;
        this.methods = methods;
        this.scorer = scorer;
        this.iterations = iterations;
        this.perturbations = perturbations;
    }

    /**
     * The observations of a batch whose clean scores are {@code clean} (method id → metric name → value per batch
     * index, NaN where none) and clean predictions {@code predicted}; {@code keep} filters results as the job does.
     */
    public List<MetaAnalysis.Observation> run(ExplainBatch batch, List<boolean[]> masks, int[] predicted,
                                              Map<String, Map<String, double[]>> clean, Predicate<AttributionResult> keep) {
        List<MetaAnalysis.Observation> out = new ArrayList<>();
        ModelWeights own = model.weights();
        for (MetaTest test : MetaTest.values()) {
            for (int k = 0; k < iterations; k++) {
                for (int n = 0; n < perturbations; n++) {
                    ExplainBatch b = batch;
                    if (test.onModel()) {
                        model.setWeights(test.weights(own, options.runSeed(), k, n, perturbations));
                    } else {
                        List<float[]> inputs = new ArrayList<>();
                        for (int i = 0; i < batch.size(); i++) {
                            inputs.add(test.input(batch.inputs().get(i), options.runSeed(), batch.ids().get(i), k, n));
                        }
                        b = new ExplainBatch(batch.ids(), inputs, batch.labels());
                    }
                    try {
                        Explanation e = new AttributionEngine(model, options).explain(b, methods);
                        for (Map.Entry<AttributionMethod, BatchScorer.Scored> s : scorer.score(b, masks, e, keep).entrySet()) {
                            String method = s.getKey().id();
                            List<AttributionResult> results = s.getValue().results();
                            for (Map.Entry<Metric, MetricValue[]> mv : s.getValue().values().entrySet()) {
                                String metric = mv.getKey().info().name();
                                double[] q = clean.getOrDefault(method, Map.of()).get(metric);
                                for (int r = 0; r < results.size(); r++) {
                                    int i = results.get(r).index();
                                    if (q == null || mv.getValue()[r] == null) continue;
                                    out.add(new MetaAnalysis.Observation(metric, method, batch.ids().get(i), test, k, n,
                                            q[i], mv.getValue()[r].value(), e.predicted()[i] != predicted[i]));
                                }
                            }
                        }
                    } finally {
                        if (test.onModel()) model.setWeights(own);
                    }
                }
            }
        }
        return out;
    }
}
