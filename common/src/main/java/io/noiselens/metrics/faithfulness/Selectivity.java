package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbBaseline;
import io.noiselens.metrics.Statistic;
import io.noiselens.model.OutputSpace;

import java.util.Map;

/**
 * Selectivity (Montavon, Samek, Müller, "Methods for Interpreting and Understanding Deep Neural Networks", DSP 2018;
 * Quantus {@code Selectivity}, METHODS-2.md §B.1): {@code patch}×{@code patch} blocks ranked by their attribution sum
 * are removed cumulatively, most relevant first, to the {@code perturb_baseline} (the image minimum, "black", by default); the curve is the softmax probability
 * of the class after each removal (f(x) itself excluded, as in Quantus) and the score its trapezoid area over the K
 * steps divided by K − 1, in [0, 1] (Quantus leaves it unnormalised, dx = 1). Lower is better: a faithful map's
 * first blocks take the prediction away. Ties in the ranking keep raster order.
 */
public record Selectivity(int patch, PerturbBaseline baseline) implements Metric {
    /** Quantus's default patch size. */
    public static final Selectivity DEFAULT = new Selectivity(8, PerturbBaseline.BLACK);

    @Override
    public MetricInfo info() {
        return new MetricInfo("selectivity", MetricCategory.FAITHFULNESS, false, false, Map.of("patch_size", patch,
                "perturb_baseline", baseline.key(), "output", "probability", "order", "block sum, descending, cumulative",
                "auc", "trapezoid / (K - 1)"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        double[] full = ctx.get(new Curves(patch, baseline))[i];
        double[] curve = java.util.Arrays.copyOfRange(full, 1, full.length);
        return MetricValue.of(area(curve), curve);
    }

    /** The trapezoid area of a curve over [0, 1] (its single value for one point). */
    static double area(double[] curve) {
        if (curve.length == 1) return curve[0];
        double a = 0;
        for (int k = 1; k < curve.length; k++) a += (curve[k - 1] + curve[k]) / 2;
        return a / (curve.length - 1);
    }

    /** The batch's curves: point 0 the clean input, point k the first k blocks at the baseline. */
    record Curves(int patch, PerturbBaseline baseline) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            Blocks blocks = Blocks.of(ctx.spec(), patch);
            int n = ctx.size();
            int[][] orders = new int[n][], bounds = new int[n][];
            float[][] x = new float[n][], black = new float[n][];
            for (int i = 0; i < n; i++) {
                double[] sums = blocks.sums(ctx.item(i).heatmap());
                Integer[] idx = new Integer[sums.length];
                for (int b = 0; b < idx.length; b++) idx[b] = b;
                java.util.Arrays.sort(idx, (a, b) -> Double.compare(sums[b], sums[a]));
                int[][] flat = blocks.flatten(java.util.Arrays.stream(idx).mapToInt(Integer::intValue).toArray());
                orders[i] = flat[0];
                bounds[i] = flat[1];
                x[i] = ctx.item(i).input();
                black[i] = baseline.image(ctx, i);
            }
            return ctx.curves(orders, bounds, x, black, OutputSpace.PROBABILITY);
        }
    }
}
