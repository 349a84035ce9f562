package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.ForwardEvaluator;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.PerturbBaseline;
import io.noiselens.metrics.Statistic;

/**
 * Every item's scores with each {@code patch}×{@code patch} block (all channels) alone replaced by the baseline:
 * index 0 the clean input, b + 1 block b. Faithfulness estimate reads the logits, non-sensitivity the
 * probabilities, from one set of forward passes; it depends on the images only, so every method scored on the batch
 * shares it.
 */
public record BlockDrops(int patch, PerturbBaseline baseline) implements Statistic<BlockDrops.Values> {
    /** [item][1 + block] logits and softmax probabilities of the item's class. */
    public record Values(double[][] logits, double[][] probabilities) {}

    @Override
    public boolean methodIndependent() {
        return true;
    }

    @Override
    public Values compute(MetricContext ctx) {
        Blocks blocks = Blocks.of(ctx.spec(), patch);
        int n = ctx.size(), points = blocks.count() + 1, plane = ctx.pixels(), channels = ctx.spec().channels();
        int[] targets = new int[n * points];
        for (int j = 0; j < targets.length; j++) targets[j] = ctx.item(j / points).target();
        float[][] replacement = baseline.images(ctx);
        ForwardEvaluator.Scores s = ctx.evaluate(n * points, (j, buf, off) -> {
            int k = j / points, b = j % points - 1;
            float[] x = ctx.item(k).input();
            System.arraycopy(x, 0, buf, off, x.length);
            if (b < 0) return;
            for (int p : blocks.pixels(b)) {
                for (int c = 0; c < channels; c++) buf[off + c * plane + p] = replacement[k][c * plane + p];
            }
        }, targets);
        double[][] logits = new double[n][points], probabilities = new double[n][points];
        for (int j = 0; j < n * points; j++) {
            logits[j / points][j % points] = s.logit()[j];
            probabilities[j / points][j % points] = s.probability()[j];
        }
        return new Values(logits, probabilities);
    }
}
