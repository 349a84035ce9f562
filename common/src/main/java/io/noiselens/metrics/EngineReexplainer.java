package io.noiselens.metrics;

import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.attribution.TargetSource;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelWeights;

import java.util.List;

/**
 * Re-explains through the batched {@link AttributionEngine}: the scored method with the targets it is given
 * (robustness, random logit), its noise-free base ({@link MetricContext.Variant#denoised()}), or the method on the
 * same model with other parameters (MPRT). The model's own parameters are restored afterwards.
 */
public final class EngineReexplainer implements MetricContext.Reexplainer {
    private final ClassifierModel model;
    private final EngineOptions options;
    private final AttributionMethod method;
    private final AttributionEngine engine;

    public EngineReexplainer(ClassifierModel model, EngineOptions options, AttributionMethod method) {
        this.model = model;
        this.options = options;
        this.method = method.withTarget(TargetSource.LABEL);
        this.engine = new AttributionEngine(model, options);
    }

    @Override
    public MetricContext.ScoredMethod method() {
        Baseline b = method.base().baseline();
        return new MetricContext.ScoredMethod(method.output(), b == null ? null : b.image(model.spec()));
    }

    /** {@inheritDoc} Null for the denoised variant of a method without a noise-free limit (RelEx). */
    @Override
    public float[][] maps(List<float[]> inputs, List<String> ids, int[] targets, MetricContext.Variant variant) {
        if (variant.denoised() && method.driver() != null && !method.driver().hasNoiseFreeLimit()) return null;
        AttributionMethod m = variant.denoised() ? method.denoised() : method;
        if (variant.weights() == null) return explain(engine, m, inputs, ids, targets);
        ModelWeights own = model.weights();
        model.setWeights(variant.weights());
        try {
            return explain(new AttributionEngine(model, options), m, inputs, ids, targets);
        } finally {
            model.setWeights(own);
        }
    }

    private static float[][] explain(AttributionEngine e, AttributionMethod m, List<float[]> inputs, List<String> ids,
                                     int[] targets) {
        float[][] maps = new float[inputs.size()][];
        for (AttributionResult r : e.explain(new ExplainBatch(ids, inputs, targets), List.of(m)).results()) {
            maps[r.index()] = r.map();
        }
        return maps;
    }
}
