package io.noiselens.metrics.localisation;

import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Map;

/**
 * Pointing game (Zhang et al., "Top-down Neural Attention by Excitation Backprop", IJCV 2018): 1 if a pixel of
 * maximal attribution lies within {@code tolerance} pixels (Euclidean) of the ground-truth mask, else 0. Unlike
 * Quantus 0.6.0, an empty mask gives NaN, not a hit. The weighted form (Quantus {@code weighted=True},
 * METHODS-2.md §B.3) scales a hit by 1 − |mask|/(H·W), so hitting a small object counts more; Quantus 0.6.0's own
 * weighted branch raises under NumPy 2.
 */
public final class PointingGame extends MaskedMetric {
    private final double tolerance;
    private final boolean weighted;

    public PointingGame(double tolerance) {
        this(tolerance, false);
    }

    public PointingGame(double tolerance, boolean weighted) {
        if (!(tolerance >= 0)) throw new IllegalArgumentException("tolerance must be ≥ 0, got " + tolerance);
        this.tolerance = tolerance;
        this.weighted = weighted;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo(weighted ? "pointing_game_weighted" : "pointing_game", MetricCategory.LOCALISATION, true,
                true, Map.of("tolerance_px", tolerance, "ties", "any maximum counts",
                        "weight", weighted ? "1 - mask area / image area" : "none"));
    }

    @Override
    MetricValue scoreMasked(MetricContext ctx, int i, boolean[] mask, int inside) {
        float[] h = ctx.item(i).heatmap();
        int w = ctx.spec().width();
        float max = Float.NEGATIVE_INFINITY;
        for (float v : h) max = Math.max(max, v);
        int t = (int) Math.ceil(tolerance);
        for (int p = 0; p < h.length; p++) {
            if (h[p] != max) continue;
            int py = p / w, px = p % w;
            for (int dy = -t; dy <= t; dy++) {
                for (int dx = -t; dx <= t; dx++) {
                    int y = py + dy, x = px + dx;
                    if (y < 0 || x < 0 || y >= ctx.spec().height() || x >= w) continue;
                    if (dx * dx + dy * dy <= tolerance * tolerance && mask[y * w + x]) {
                        return MetricValue.of(weighted ? 1 - (double) inside / mask.length : 1);
                    }
                }
            }
        }
        return MetricValue.of(0);
    }
}
