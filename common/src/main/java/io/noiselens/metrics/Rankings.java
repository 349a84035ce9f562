package io.noiselens.metrics;

import java.util.Arrays;

/**
 * Every item's pixel indices ordered by heat — decreasing (most relevant first, MoRF) or increasing (LeRF) — ties
 * broken by index, a stable order, so results are reproducible.
 */
public record Rankings(boolean decreasing) implements Statistic<int[][]> {
    public static final Rankings MOST_RELEVANT_FIRST = new Rankings(true);
    public static final Rankings LEAST_RELEVANT_FIRST = new Rankings(false);

    @Override
    public int[][] compute(MetricContext ctx) {
        int[][] out = new int[ctx.size()][];
        for (int i = 0; i < out.length; i++) out[i] = order(ctx.item(i).heatmap(), decreasing);
        return out;
    }

    static int[] order(float[] h, boolean decreasing) {
        Integer[] idx = new Integer[h.length];
        for (int k = 0; k < idx.length; k++) idx[k] = k;
        Arrays.sort(idx, (a, b) -> {
            int c = decreasing ? Float.compare(h[b], h[a]) : Float.compare(h[a], h[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] r = new int[h.length];
        for (int k = 0; k < r.length; k++) r[k] = idx[k];
        return r;
    }
}
