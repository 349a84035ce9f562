package io.noiselens.metrics.localisation;

import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Map;

/**
 * Relevance mass accuracy (Arras, Osman, Samek, "CLEVR-XAI", Information Fusion 2022): R_within / R_total over
 * the positive relevance max(a, 0), as in the paper, so the ratio stays in [0, 1] for signed maps (METHODS.md §8.3;
 * Quantus uses the raw signed values). Attribution localisation is the same ratio on |a|.
 */
public final class RelevanceMassAccuracy extends MaskedMetric {
    @Override
    public MetricInfo info() {
        return new MetricInfo("relevance_mass_accuracy", MetricCategory.LOCALISATION, true, true,
                Map.of("relevance", "positive part"));
    }

    @Override
    MetricValue scoreMasked(MetricContext ctx, int i, boolean[] mask, int inside) {
        float[] h = ctx.item(i).heatmap();
        double in = 0, total = 0;
        for (int p = 0; p < h.length; p++) {
            double v = Math.max(0, h[p]);
            total += v;
            if (mask[p]) in += v;
        }
        return total == 0 ? MetricValue.nan("the map has no positive relevance") : MetricValue.of(in / total);
    }
}
