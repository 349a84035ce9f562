package io.noiselens.metrics.complexity;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Map;

/**
 * Complexity as the entropy of the relevance distribution (Bhatt, Weller, Moura, IJCAI 2020; Quantus
 * {@code Complexity}): p_i = |a_i| / Σ|a|, H = −Σ p_i log(p_i + 1e−12). 0 for a one-hot map, log d for a uniform
 * one; lower is better.
 */
public final class Complexity implements Metric {
    @Override
    public MetricInfo info() {
        return new MetricInfo("complexity", MetricCategory.COMPLEXITY, false, false,
                Map.of("values", "|heat map|", "log", "natural", "feature", "pixel"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        float[] h = ctx.item(i).heatmap();
        double total = 0;
        for (float v : h) total += Math.abs(v);
        if (total == 0) return MetricValue.nan("the map is all zero");
        double e = 0;
        for (float v : h) {
            double p = Math.abs(v) / total;
            e -= p * Math.log(p + 1e-12);
        }
        return MetricValue.of(e);
    }
}
