package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Statistic;
import io.noiselens.model.OutputSpace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Region perturbation and AOPC (Samek et al., "Evaluating the Visualization of What a Deep Neural Network Has
 * Learned", IEEE TNNLS 2017; Quantus {@code RegionPerturbation}): non-overlapping patch×patch regions (the last row
 * and column of the grid may be smaller) are scored by the sum of attributions, ordered most relevant first (MoRF)
 * or least relevant first (LeRF), and replaced cumulatively by the image's minimum. The curve is
 * Δ_k = f(x) − f(x^(k)) on the softmax probability, k = 1..L; AOPC = mean of [0, Δ₁, …, Δ_L]. Under MoRF a larger
 * AOPC is more faithful (Quantus declares the direction the other way round, METHODS.md §8.1); under LeRF smaller.
 */
public record RegionPerturbation(boolean morf, int patch, int regions) implements Metric {
    /** Quantus's defaults: 8×8 patches, 100 regions. */
    public static final RegionPerturbation MORF = new RegionPerturbation(true, 8, 100);
    public static final RegionPerturbation LERF = new RegionPerturbation(false, 8, 100);

    public RegionPerturbation {
        if (patch < 1 || regions < 1) throw new IllegalArgumentException("patch and regions must be ≥ 1");
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo(morf ? "region_perturbation_morf" : "region_perturbation_lerf",
                MetricCategory.FAITHFULNESS, morf, false, Map.of("patch_size", patch, "regions_evaluation", regions,
                "order", morf ? "morf" : "lerf", "perturb_baseline", "image minimum", "output", "probability",
                "score", "AOPC"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        int used = Math.min(regions, cells(ctx).size());
        double[] curve = ctx.get(new Curves(this, used))[i];
        double[] deltas = new double[used];
        double aopc = 0;
        for (int k = 0; k < used; k++) {
            deltas[k] = curve[0] - curve[k + 1];
            aopc += deltas[k];
        }
        return MetricValue.of(aopc / (used + 1), deltas);
    }

    /** The non-overlapping patch grid; the last row and column of cells may be smaller. */
    private List<int[]> cells(MetricContext ctx) {
        int h = ctx.spec().height(), w = ctx.spec().width();
        List<int[]> cells = new ArrayList<>();
        for (int y = 0; y < h; y += patch) {
            for (int x = 0; x < w; x += patch) {
                int[] c = new int[Math.min(patch, h - y) * Math.min(patch, w - x)];
                int k = 0;
                for (int yy = y; yy < Math.min(h, y + patch); yy++) for (int xx = x; xx < Math.min(w, x + patch); xx++) c[k++] = yy * w + xx;
                cells.add(c);
            }
        }
        return cells;
    }

    /** Every item's curve, the first {@code used} cells of its order removed one cell per step (once per batch). */
    private double[][] curves(MetricContext ctx, int used) {
        int n = ctx.size();
        List<int[]> cells = cells(ctx);
        float[][] x = new float[n][], black = new float[n][];
        int[][] orders = new int[n][];
        int[][] bounds = new int[n][];
        for (int k = 0; k < n; k++) {
            x[k] = ctx.item(k).input();
            black[k] = ctx.minimumImage(k);
            float[] heat = ctx.item(k).heatmap();
            Integer[] idx = new Integer[cells.size()];
            double[] score = new double[cells.size()];
            for (int c = 0; c < idx.length; c++) {
                idx[c] = c;
                for (int p : cells.get(c)) score[c] += heat[p];
            }
            Comparator<Integer> bySum = Comparator.comparingDouble(c -> score[c]);
            Arrays.sort(idx, (morf ? bySum.reversed() : bySum).thenComparing(Comparator.naturalOrder()));
            int total = 0;
            for (int r = 0; r < used; r++) total += cells.get(idx[r]).length;
            orders[k] = new int[total];
            bounds[k] = new int[used];
            int pos = 0;
            for (int r = 0; r < used; r++) {
                for (int p : cells.get(idx[r])) orders[k][pos++] = p;
                bounds[k][r] = pos;
            }
        }
        return ctx.curves(orders, bounds, x, black, OutputSpace.PROBABILITY);
    }

    /** The batch's curves of {@code metric}, its first {@code used} regions removed. */
    private record Curves(RegionPerturbation metric, int used) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            return metric.curves(ctx, used);
        }
    }
}
