package io.noiselens.metrics.axiomatic;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbBaseline;
import io.noiselens.metrics.faithfulness.BlockDrops;
import io.noiselens.metrics.faithfulness.Blocks;

import java.util.Map;

/**
 * Non-sensitivity (Nguyen &amp; Martínez, "On Quantitative Aspects of Model Interpretability", 2020; Quantus
 * {@code NonSensitivity} 0.6.0, METHODS-2.md §B.6): a feature with no attribution should not matter to the model, and
 * one that does not matter should have none. Features are {@code patch}×{@code patch} blocks, each replaced alone by
 * the {@code perturb_baseline}; a block "has no attribution" when every value of the map in it is below ε = 10⁻⁵
 * (after Quantus's defaults: |a| normalised by its maximum), and "does not matter" when the class's softmax
 * probability moves by less than ε. The score is the size of the symmetric difference of the two sets — the
 * violations, lower is better. Quantus perturbs single values (features_in_step = 1; 150 528 passes on ImageNet, and
 * its XOR compares arrays of different lengths for any other step); blocks take (224/8)² = 784 passes, the same as
 * {@code faithfulness_estimate}'s, with which they are shared.
 */
public record NonSensitivity(int patch, PerturbBaseline baseline) implements Metric {
    static final double EPS = 1e-5;

    @Override
    public MetricInfo info() {
        return new MetricInfo("non_sensitivity", MetricCategory.AXIOMATIC, false, false, Map.of("patch_size", patch,
                "perturb_baseline", baseline.key(), "eps", EPS, "output", "probability", "order", "each block alone",
                "score", "|zero-attribution blocks xor insensitive blocks|"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        Blocks blocks = Blocks.of(ctx.spec(), patch);
        double[] p = ctx.get(new BlockDrops(patch, baseline)).probabilities()[i];
        float[] h = ctx.item(i).heatmap();
        int violations = 0;
        for (int b = 0; b < blocks.count(); b++) {
            boolean zero = true;
            for (int q : blocks.pixels(b)) zero &= h[q] < EPS;
            boolean insensitive = Math.abs(p[b + 1] - p[0]) < EPS;
            if (zero != insensitive) violations++;
        }
        return MetricValue.of(violations);
    }
}
