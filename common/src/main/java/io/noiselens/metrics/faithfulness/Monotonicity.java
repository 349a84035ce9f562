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
 * Monotonicity (Arya et al., "One Explanation Does Not Fit All", 2019; Quantus {@code Monotonicity},
 * METHODS-2.md §B.1): starting from the baseline image ({@code perturb_baseline}, "black" by default: every value the
 * image minimum), the input's own values are inserted {@code step} pixels at a time in increasing order of the map
 * (|a| normalised by its maximum, Quantus's defaults {@code abs} and {@code normalise}); the score is 1 if the class's
 * softmax probability never decreases along the way, else 0. Higher is better. Quantus 0.6.0 writes the baseline over the
 * baseline (its curve is constant and every map scores True); this inserts x, as the paper defines it.
 */
public record Monotonicity(int step, PerturbBaseline baseline) implements Metric {
    /** @param step pixels inserted per step; 0 means one image row */
    public Monotonicity {
        if (step < 0) throw new IllegalArgumentException("step must be ≥ 0, got " + step);
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("monotonicity", MetricCategory.FAITHFULNESS, true, false, Map.of("features_in_step",
                step == 0 ? "row" : step, "perturb_baseline", baseline.key(), "order", "ascending, inserted", "output",
                "probability"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        double[] curve = ctx.get(new Curves(step == 0 ? ctx.spec().width() : step, baseline))[i];
        for (int k = 1; k < curve.length; k++) if (curve[k] < curve[k - 1]) return MetricValue.of(0, curve);
        return MetricValue.of(1, curve);
    }

    /** The batch's insertion curves: point 0 the baseline, then x's pixels in ascending attribution, {@code step} at a time. */
    record Curves(int step, PerturbBaseline baseline) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            int n = ctx.size();
            int[][] orders = new int[n][];
            float[][] x = new float[n][], black = new float[n][];
            for (int i = 0; i < n; i++) {
                orders[i] = ctx.ascendingRanking(i);
                x[i] = ctx.item(i).input();
                black[i] = baseline.image(ctx, i);
            }
            return ctx.curves(orders, ctx.uniformSteps(step), black, x, OutputSpace.PROBABILITY);
        }
    }
}
