package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbBaseline;
import io.noiselens.metrics.Similarity;

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
        double[] logits = ctx.get(new BlockDrops(patch, baseline)).logits()[i];
        double[] sums = blocks.sums(ctx.item(i).heatmap()), drops = new double[blocks.count()];
        for (int b = 0; b < drops.length; b++) drops[b] = logits[0] - logits[b + 1];
        double r = Similarity.pearson(sums, drops);
        return Double.isNaN(r) ? MetricValue.nan("a constant series (all block sums or all logit drops equal)")
                : MetricValue.of(r);
    }
}
