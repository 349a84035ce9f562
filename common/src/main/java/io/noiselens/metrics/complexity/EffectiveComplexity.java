package io.noiselens.metrics.complexity;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Map;

/**
 * Effective complexity (Nguyen &amp; Martínez, "On Quantitative Aspects of Model Interpretability", 2020; Quantus
 * {@code EffectiveComplexity}, METHODS-2.md §B.4): the number of pixels whose value exceeds ε = 10⁻⁵ after Quantus's
 * default pre-processing, |a| normalised by the map's largest ({@link io.noiselens.metrics.MapPreprocessing}). Lower is
 * simpler. Quantus normalises over the whole batch, so its count depends on the batch; here each map is normalised by
 * its own maximum, so a map's score does not (an all-zero map counts 0).
 */
public final class EffectiveComplexity implements Metric {
    static final double EPS = 1e-5;

    @Override
    public MetricInfo info() {
        return new MetricInfo("effective_complexity", MetricCategory.COMPLEXITY, false, false, Map.of("eps", EPS,
                "feature", "pixel"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        int n = 0;
        for (float v : ctx.item(i).heatmap()) if (v > EPS) n++;
        return MetricValue.of(n);
    }
}
