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
 * Infidelity (Yeh, Hsieh, Suggala, Inouye, Ravikumar, "On the (In)fidelity and Sensitivity of Explanations", NeurIPS
 * 2019) as Quantus computes it (METHODS-2.md §B.1): {@code patch}×{@code patch} blocks, all channels, are set to the
 * {@code perturb_baseline} (the image minimum by default) cumulatively in raster order; after block k, Δ_k = f(x) − f(x̃_k) on the logit and
 * s_k = Σ a ⊙ (x − x̃_k) (a one-channel map broadcast over the channels); the score is mean_k (Δ_k − s_k)². Lower is
 * better. The perturbation is Quantus's deterministic sequence, not Yeh's random I, and (x − x̃) is not divided by
 * x: the plain gradient scores 0 on a model linear in its input, Integrated Gradients does not (Captum's decorated
 * perturbation is the other convention).
 */
public record Infidelity(int patch, PerturbBaseline baseline) implements Metric {
    /** Quantus's default patch size. */
    public static final Infidelity DEFAULT = new Infidelity(4, PerturbBaseline.BLACK);

    @Override
    public MetricInfo info() {
        return new MetricInfo("infidelity", MetricCategory.FAITHFULNESS, false, false, Map.of("patch_size", patch,
                "perturb_baseline", baseline.key(), "order", "raster, cumulative", "output", "logit",
                "loss", "mse", "perturbation", "x - x~ (not divided by x)"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        Blocks blocks = Blocks.of(ctx.spec(), patch);
        double[] curve = ctx.get(new Curves(patch, baseline))[i];
        MetricContext.Item item = ctx.item(i);
        float[] x = item.input(), map = item.map(), black = baseline.image(ctx, i);
        int plane = ctx.pixels(), channels = ctx.spec().channels(), mapChannels = map.length / plane;
        double s = 0, loss = 0;
        for (int b = 0; b < blocks.count(); b++) {
            for (int p : blocks.pixels(b)) {
                for (int c = 0; c < channels; c++) {
                    double a = map[(mapChannels == 1 ? 0 : c) * plane + p];
                    s += a * ((double) x[c * plane + p] - black[c * plane + p]);
                }
            }
            double delta = curve[0] - curve[b + 1];
            loss += (delta - s) * (delta - s);
        }
        return MetricValue.of(loss / blocks.count());
    }

    /** The batch's logits: point 0 the clean input, point k the first k raster blocks at the baseline. */
    record Curves(int patch, PerturbBaseline baseline) implements Statistic<double[][]> {
        /** Raster order does not depend on the map: every method scored on the batch shares the curves. */
        @Override
        public boolean methodIndependent() {
            return true;
        }

        @Override
        public double[][] compute(MetricContext ctx) {
            Blocks blocks = Blocks.of(ctx.spec(), patch);
            int[] raster = new int[blocks.count()];
            for (int b = 0; b < raster.length; b++) raster[b] = b;
            int[][] flat = blocks.flatten(raster);
            int n = ctx.size();
            int[][] orders = new int[n][], bounds = new int[n][];
            float[][] x = new float[n][], black = new float[n][];
            for (int i = 0; i < n; i++) {
                orders[i] = flat[0];
                bounds[i] = flat[1];
                x[i] = ctx.item(i).input();
                black[i] = baseline.image(ctx, i);
            }
            return ctx.curves(orders, bounds, x, black, OutputSpace.LOGIT);
        }
    }
}
