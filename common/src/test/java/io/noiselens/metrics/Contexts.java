package io.noiselens.metrics;

import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.model.SameDiffClassifier;

import java.util.ArrayList;
import java.util.List;

/** Metric contexts the metric tests share: real maps of a real model, re-explained by the real engine. */
public final class Contexts {
    private Contexts() {}

    /** {@code method}'s maps of {@code xs} (ids img0, img1, …) for {@code labels}, in a context that can re-explain. */
    public static MetricContext explained(SameDiffClassifier model, AttributionMethod method, List<float[]> xs, int[] labels,
                                          long seed) {
        EngineOptions options = EngineOptions.defaults(seed);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < xs.size(); i++) ids.add("img" + i);
        List<MetricContext.Item> items = new ArrayList<>();
        int plane = model.spec().height() * model.spec().width();
        for (AttributionResult r : new AttributionEngine(model, options).explain(new ExplainBatch(ids, xs, labels),
                List.of(method)).results()) {
            items.add(new MetricContext.Item(ids.get(r.index()), xs.get(r.index()),
                    MetricContext.heatmap(r.map(), r.channels(), plane), null, r.target(), r.map()));
        }
        return new MetricContext(model.spec(), new ForwardEvaluator(model, 64),
                new EngineReexplainer(model, options, method), seed, items);
    }
}
