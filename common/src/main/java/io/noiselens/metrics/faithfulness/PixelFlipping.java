package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Rankings;
import io.noiselens.metrics.Statistic;
import io.noiselens.model.OutputSpace;

import java.util.Arrays;
import java.util.Map;

/**
 * Pixel flipping (Bach et al., "On Pixel-Wise Explanations … by Layer-Wise Relevance Propagation", PLOS ONE 2015;
 * Quantus {@code PixelFlipping}): pixels are replaced by the image's minimum ("black" in Quantus) in decreasing
 * attribution order, {@code featuresInStep} at a time, cumulatively; the curve is the target's softmax probability
 * after each step (the unperturbed prediction excluded, as in Quantus), and the score its trapezoid area divided
 * by the number of intervals. Lower is better.
 */
public final class PixelFlipping implements Metric {
    private final int featuresInStep;

    /** @param featuresInStep pixels per step; 0 means one image row */
    public PixelFlipping(int featuresInStep) {
        if (featuresInStep < 0) throw new IllegalArgumentException("featuresInStep must be ≥ 0");
        this.featuresInStep = featuresInStep;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("pixel_flipping", MetricCategory.FAITHFULNESS, false, false,
                Map.of("features_in_step", featuresInStep == 0 ? "row" : featuresInStep, "perturb_baseline",
                        "image minimum", "output", "probability", "auc", "trapezoid / intervals", "feature", "pixel"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        int step = featuresInStep == 0 ? ctx.spec().width() : featuresInStep;
        double[] full = ctx.get(new Curves(step))[i];
        double[] curve = Arrays.copyOfRange(full, 1, full.length);
        if (curve.length < 2) return MetricValue.of(curve[0], curve);
        return MetricValue.of(CausalMetric.auc(curve), curve);
    }

    /** The batch's curves: the most relevant pixels set to the image minimum, {@code step} more per point. */
    record Curves(int step) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            int n = ctx.size();
            float[][] x = new float[n][], black = new float[n][];
            for (int k = 0; k < n; k++) {
                x[k] = ctx.item(k).input();
                black[k] = ctx.minimumImage(k);
            }
            return ctx.curves(ctx.get(Rankings.MOST_RELEVANT_FIRST), ctx.uniformSteps(step), x, black, OutputSpace.PROBABILITY);
        }
    }
}
