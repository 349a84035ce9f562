package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbBaseline;
import io.noiselens.metrics.Similarity;
import io.noiselens.metrics.Statistic;
import io.noiselens.model.OutputSpace;

import java.util.Map;

/**
 * Faithfulness estimate (Alvarez-Melis &amp; Jaakkola, "Towards Robust Interpretability with Self-Explaining Neural
 * Networks", NeurIPS 2018; Quantus {@code FaithfulnessEstimate}, METHODS-2.md §B.1): for each
 * {@code patch}×{@code patch} block alone (not cumulatively), the logit drop f(x) − f(x with the block at the image
 * minimum); the score is the Pearson correlation between the blocks' attribution sums and their drops. Higher is
 * better; NaN when either series is constant. Quantus perturbs single pixels (features_in_step = 1, H·W passes per
 * map); blocks keep ImageNet-sized maps to (224/8)² = 784 passes.
 */
public record FaithfulnessEstimate(int patch, PerturbBaseline baseline) implements Metric {
    public static final FaithfulnessEstimate DEFAULT = new FaithfulnessEstimate(8, PerturbBaseline.BLACK);

    @Override
    public MetricInfo info() {
        return new MetricInfo("faithfulness_estimate", MetricCategory.FAITHFULNESS, true, false, Map.of("patch_size", patch,
                "perturb_baseline", baseline.key(), "order", "each block alone", "output", "logit",
                "similarity", "pearson"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        Blocks blocks = Blocks.of(ctx.spec(), patch);
        double[] logits = ctx.get(new Drops(patch, baseline))[i];
        double[] sums = blocks.sums(ctx.item(i).heatmap()), drops = new double[blocks.count()];
        for (int b = 0; b < drops.length; b++) drops[b] = logits[0] - logits[b + 1];
        double r = Similarity.pearson(sums, drops);
        return Double.isNaN(r) ? MetricValue.nan("a constant series (all block sums or all logit drops equal)")
                : MetricValue.of(r);
    }

    /** The batch's logits: index 0 the clean input, b + 1 with block b alone at the baseline. */
    record Drops(int patch, PerturbBaseline baseline) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            Blocks blocks = Blocks.of(ctx.spec(), patch);
            int n = ctx.size(), points = blocks.count() + 1, plane = ctx.pixels(), channels = ctx.spec().channels();
            int[] targets = new int[n * points];
            for (int j = 0; j < targets.length; j++) targets[j] = ctx.item(j / points).target();
            float[][] black = new float[n][];
            for (int k = 0; k < n; k++) black[k] = baseline.image(ctx, k);
            double[] s = ctx.scores(n * points, (j, buf, off) -> {
                int k = j / points, b = j % points - 1;
                float[] x = ctx.item(k).input();
                System.arraycopy(x, 0, buf, off, x.length);
                if (b < 0) return;
                for (int p : blocks.pixels(b)) {
                    for (int c = 0; c < channels; c++) buf[off + c * plane + p] = black[k][c * plane + p];
                }
            }, targets, OutputSpace.LOGIT);
            double[][] out = new double[n][points];
            for (int j = 0; j < s.length; j++) out[j / points][j % points] = s[j];
            return out;
        }
    }
}
