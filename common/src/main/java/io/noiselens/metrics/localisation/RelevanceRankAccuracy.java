package io.noiselens.metrics.localisation;

import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Map;

/**
 * Relevance rank accuracy (Arras, Osman, Samek, "CLEVR-XAI", Information Fusion 2022): with K = |s|, the fraction
 * of the K highest-ranked pixels that lie in the mask (ties by index).
 */
public final class RelevanceRankAccuracy extends MaskedMetric {
    @Override
    public MetricInfo info() {
        return new MetricInfo("relevance_rank_accuracy", MetricCategory.LOCALISATION, true, true, Map.of("ties", "raster order"));
    }

    @Override
    MetricValue scoreMasked(MetricContext ctx, int i, boolean[] mask, int inside) {
        return MetricValue.of(topFractionInside(ctx.ranking(i), mask, inside));
    }
}
