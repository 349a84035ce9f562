package io.noiselens.metrics.localisation;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricValue;

/** A localisation metric: NaN with a reason when the image has no mask or an empty one, else {@link #scoreMasked}. */
abstract class MaskedMetric implements Metric {
    @Override
    public final MetricValue score(MetricContext ctx, int i) {
        boolean[] mask = ctx.item(i).mask();
        if (mask == null) return MetricValue.nan("the image has no ground-truth mask");
        int inside = 0;
        for (boolean m : mask) if (m) inside++;
        if (inside == 0) return MetricValue.nan("the ground-truth mask is empty");
        if (inside == mask.length) return MetricValue.nan("the ground-truth mask covers the whole image");
        return scoreMasked(ctx, i, mask, inside);
    }

    abstract MetricValue scoreMasked(MetricContext ctx, int i, boolean[] mask, int inside);

    /** Fraction of the first k ranked pixels that lie in the mask. */
    static double topFractionInside(int[] ranking, boolean[] mask, int k) {
        int hits = 0;
        for (int r = 0; r < k; r++) if (mask[ranking[r]]) hits++;
        return (double) hits / k;
    }
}
