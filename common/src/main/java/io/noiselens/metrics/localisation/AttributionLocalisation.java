package io.noiselens.metrics.localisation;

import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Map;

/**
 * Attribution localisation (Kohlbrenner et al., "Towards Best Practice in Explaining Neural Network Decisions
 * with LRP", IJCNN 2020): μ = Σ_{i∈s} |a_i| / Σ_i |a_i|. The weighted form multiplies by |s| / (H·W), the mask's
 * share of this image (Quantus 0.6.0 takes the size from the batch axis, METHODS.md §8.3).
 */
public final class AttributionLocalisation extends MaskedMetric {
    private final boolean weighted;

    public AttributionLocalisation(boolean weighted) {
        this.weighted = weighted;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo(weighted ? "attribution_localisation_weighted" : "attribution_localisation",
                MetricCategory.LOCALISATION, true, true,
                Map.of("values", "|heat map|", "weighted", weighted, "weight", weighted ? "|s|/(H*W)" : "1"));
    }

    @Override
    MetricValue scoreMasked(MetricContext ctx, int i, boolean[] mask, int inside) {
        float[] h = ctx.item(i).heatmap();
        double in = 0, total = 0;
        for (int p = 0; p < h.length; p++) {
            double v = Math.abs(h[p]);
            total += v;
            if (mask[p]) in += v;
        }
        if (total == 0) return MetricValue.nan("the map is all zero");
        double mu = in / total;
        return MetricValue.of(weighted ? mu * inside / h.length : mu);
    }
}
