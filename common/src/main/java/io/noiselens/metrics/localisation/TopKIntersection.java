package io.noiselens.metrics.localisation;

import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Map;

/**
 * Top-k intersection (Theiner, Müller-Budack, Ewerth, "Interpretable Semantic Photo Geolocation", WACV 2022):
 * the fraction of the k highest-attributed pixels that lie in the mask (k capped at H·W; ties by index).
 */
public final class TopKIntersection extends MaskedMetric {
    private final int k;

    /** Theiner et al.'s k = 1000 pixels. */
    public static final TopKIntersection DEFAULT = new TopKIntersection(1000);

    public TopKIntersection(int k) {
        if (k < 1) throw new IllegalArgumentException("k must be ≥ 1, got " + k);
        this.k = k;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("top_k_intersection", MetricCategory.LOCALISATION, true, true,
                Map.of("k", k, "concept_influence", false));
    }

    @Override
    MetricValue scoreMasked(MetricContext ctx, int i, boolean[] mask, int inside) {
        return MetricValue.of(topFractionInside(ctx.ranking(i), mask, Math.min(k, mask.length)));
    }
}
