package io.noiselens.metrics;

import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.attribution.Explanation;
import io.noiselens.model.ClassifierModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Scores an explained batch with the run's per-map metrics: one {@link MetricContext} per method (its statistics
 * shared by the metrics), the method-independent statistics shared by every method of the batch. Metrics that need
 * a mask skip images without one unless they were listed explicitly; a metric that throws scores NaN with the error
 * as its reason (after {@code onFailure} sees the exception).
 */
public final class BatchScorer {
    private final ClassifierModel model;
    private final EngineOptions options;
    private final ForwardEvaluator evaluator;
    private final List<Metric> metrics;
    private final boolean explicit;
    private final Consumer<RuntimeException> onFailure;
    private final List<MetricContext.Partner> partners;

    public BatchScorer(ClassifierModel model, EngineOptions options, ForwardEvaluator evaluator, List<Metric> metrics,
                       boolean explicit, Consumer<RuntimeException> onFailure) {
        this(model, options, evaluator, metrics, explicit, onFailure, List.of());
    }

    /** {@code partners}: the run's pool of labelled images for Focus's mosaics. */
    public BatchScorer(ClassifierModel model, EngineOptions options, ForwardEvaluator evaluator, List<Metric> metrics,
                       boolean explicit, Consumer<RuntimeException> onFailure, List<MetricContext.Partner> partners) {
        this.partners = partners;
        this.model = model;
        this.options = options;
        this.evaluator = evaluator;
        this.metrics = metrics;
        this.explicit = explicit;
        this.onFailure = onFailure;
    }

    /** One method's scored maps: its results and, per metric, a value per result (null: skipped, no mask). */
    public record Scored(List<AttributionResult> results, Map<Metric, MetricValue[]> values) {}

    public List<Metric> metrics() {
        return metrics;
    }

    /** Scores every result of {@code e} (those {@code keep} accepts), grouped by method in the explanation's order. */
    public Map<AttributionMethod, Scored> score(ExplainBatch batch, List<boolean[]> masks, Explanation e,
                                                java.util.function.Predicate<AttributionResult> keep) {
        Map<AttributionMethod, List<AttributionResult>> byMethod = new LinkedHashMap<>();
        for (AttributionResult res : e.results()) {
            if (keep.test(res)) byMethod.computeIfAbsent(res.method(), k -> new ArrayList<>()).add(res);
        }
        Map<Object, Object> batchShared = new HashMap<>();
        Map<AttributionMethod, Scored> out = new LinkedHashMap<>();
        int plane = model.spec().height() * model.spec().width();
        byMethod.forEach((m, results) -> {
            List<MetricContext.Item> items = new ArrayList<>();
            for (AttributionResult res : results) {
                items.add(new MetricContext.Item(batch.ids().get(res.index()), batch.inputs().get(res.index()),
                        MetricContext.heatmap(res.map(), res.channels(), plane), masks.get(res.index()), res.target(),
                        res.map()));
            }
            MetricContext ctx = new MetricContext(model.spec(), evaluator, new EngineReexplainer(model, options, m),
                    options.runSeed(), items, batchShared, partners);
            Map<Metric, MetricValue[]> values = new LinkedHashMap<>();
            for (Metric metric : metrics) {
                MetricValue[] v = new MetricValue[items.size()];
                boolean needsMask = metric.info().needsMask();
                for (int i = 0; i < items.size(); i++) {
                    if (needsMask && items.get(i).mask() == null && !explicit) continue;
                    try {
                        v[i] = metric.score(ctx, i);
                    } catch (RuntimeException ex) {
                        onFailure.accept(ex);
                        v[i] = MetricValue.nan("metric failed: " + ex);
                    }
                }
                values.put(metric, v);
            }
            out.put(m, new Scored(results, values));
        });
        return out;
    }
}
