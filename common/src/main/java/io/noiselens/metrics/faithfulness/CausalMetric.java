package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.BlurredInputs;
import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Rankings;
import io.noiselens.metrics.Statistic;
import io.noiselens.model.OutputSpace;

import java.util.Map;

/**
 * Deletion and insertion (Petsiuk, Das, Saenko, "RISE", BMVC 2018; reference {@code evaluation.CausalMetric}).
 * Deletion moves pixels of x to a zero substrate (zero in model-input space) in decreasing saliency, {@code step}
 * pixels at a time, all channels together; insertion moves pixels of x onto a blurred copy (11×11 Gaussian,
 * σ = 5, zero padding, per channel). The curve is the softmax probability of the explained class; the score is
 * its trapezoid area AUC = (Σ s_k − s₀/2 − s_n/2)/n. Deletion: lower is better; insertion: higher is better.
 */
public final class CausalMetric implements Metric {
    public enum Mode { DELETION, INSERTION }

    private final Mode mode;
    private final int step;

    /** @param step pixels moved per step; 0 means one image row (RISE's 224 on 224×224 images) */
    public CausalMetric(Mode mode, int step) {
        if (step < 0) throw new IllegalArgumentException("step must be ≥ 0, got " + step);
        this.mode = mode;
        this.step = step;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo(mode == Mode.DELETION ? "deletion_auc" : "insertion_auc", MetricCategory.FAITHFULNESS,
                mode == Mode.INSERTION, false, Map.of("step", step == 0 ? "row" : step, "output", "probability",
                        "substrate", mode == Mode.DELETION ? "zeros (model space)" : "gaussian_blur(k=11, sigma=5)",
                        "feature", "pixel"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        int s = step == 0 ? ctx.spec().width() : step;
        double[] curve = ctx.get(new Curves(mode, s))[i];
        return MetricValue.of(auc(curve), curve);
    }

    /**
     * The RISE curves of the batch: the target's probability after moving the top-ranked pixels, {@code step} at a
     * time, from x to the zero substrate (deletion) or from the blurred substrate to x (insertion); ⌈H·W/step⌉ + 1
     * points.
     */
    record Curves(Mode mode, int step) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            float[][] x = ctx.inputs().toArray(new float[0][]);
            float[][] substrate = mode == Mode.DELETION ? new float[x.length][x[0].length] : ctx.get(BlurredInputs.RISE);
            int[][] orders = ctx.get(Rankings.MOST_RELEVANT_FIRST);
            return mode == Mode.DELETION ? ctx.curves(orders, ctx.uniformSteps(step), x, substrate, OutputSpace.PROBABILITY)
                    : ctx.curves(orders, ctx.uniformSteps(step), substrate, x, OutputSpace.PROBABILITY);
        }
    }

    static double auc(double[] c) {
        double sum = 0;
        for (double v : c) sum += v;
        return (sum - c[0] / 2 - c[c.length - 1] / 2) / (c.length - 1);
    }
}
