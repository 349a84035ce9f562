package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Statistic;
import io.noiselens.model.OutputSpace;
import io.noiselens.random.KeyedRandom;

import java.util.Map;

/**
 * Faithfulness correlation (Bhatt, Weller, Moura, "Evaluating and Aggregating Feature-based Model Explanations",
 * IJCAI 2020; Quantus {@code FaithfulnessCorrelation}): over {@code runs} random pixel subsets S of fixed size,
 * the Pearson correlation between Σ_{i∈S} a_i and f_c(x) − f_c(x with x_S replaced by the image minimum), on the
 * logit. Subsets are drawn from a keyed stream per image; all runs of a batch are one batched evaluation. Higher
 * is better.
 */
public record FaithfulnessCorrelation(int runs, int subsetSize, boolean zeroBaseline) implements Metric {
    /** Quantus's defaults: 100 runs of 224-pixel subsets. */
    public static final FaithfulnessCorrelation DEFAULT = new FaithfulnessCorrelation(100, 224);

    public FaithfulnessCorrelation(int runs, int subsetSize) {
        this(runs, subsetSize, false);
    }

    /** @param zeroBaseline remove features by setting them to 0 (Sensitivity-n) instead of the image minimum */
    public FaithfulnessCorrelation {
        if (runs < 3 || subsetSize < 1) throw new IllegalArgumentException("runs ≥ 3 and subsetSize ≥ 1 required");
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("faithfulness_correlation", MetricCategory.FAITHFULNESS, true, false,
                Map.of("nr_runs", runs, "subset_size", subsetSize, "perturb_baseline", "image minimum",
                        "output", "logit", "similarity", "pearson", "feature", "pixel"));
    }

    /** The random subsets of every image and the logits with each subset removed (index 0: the clean input). */
    private record Runs(int[][][] subsets, double[][] logits) {}

    /** The batch's subsets and logits; metrics with the same runs, subset size and baseline share them. */
    private record SubsetRemoval(FaithfulnessCorrelation metric) implements Statistic<Runs> {
        @Override
        public Runs compute(MetricContext ctx) {
            return metric.evaluate(ctx);
        }
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        Runs runsOfBatch = ctx.get(new SubsetRemoval(this));
        float[] heat = ctx.item(i).heatmap();
        double[] attr = new double[runs], drop = new double[runs];
        for (int r = 0; r < runs; r++) {
            for (int p : runsOfBatch.subsets()[i][r]) attr[r] += heat[p];
            drop[r] = runsOfBatch.logits()[i][0] - runsOfBatch.logits()[i][r + 1];
        }
        double corr = io.noiselens.metrics.Similarity.pearson(attr, drop);
        return Double.isNaN(corr) ? MetricValue.nan("a constant series (all subset sums or all prediction changes "
                + "equal)") : MetricValue.of(corr);
    }

    private Runs evaluate(MetricContext ctx) {
        int n = ctx.size(), plane = ctx.pixels(), size = Math.min(subsetSize, plane), channels = ctx.spec().channels();
        int[][][] subsets = new int[n][runs][];
        for (int k = 0; k < n; k++) {
            for (int r = 0; r < runs; r++) {
                subsets[k][r] = subset(plane, size, KeyedRandom.key(ctx.seed(), KeyedRandom.Purpose.INPUT,
                        KeyedRandom.hash(ctx.item(k).id()), KeyedRandom.hash("subset_removal/" + size), r));
            }
        }
        int points = runs + 1;
        int[] targets = new int[n * points];
        for (int j = 0; j < targets.length; j++) targets[j] = ctx.item(j / points).target();
        float[] minimum = new float[n];
        for (int k = 0; k < n; k++) minimum[k] = zeroBaseline ? 0 : ctx.minimum(k);
        double[] s = ctx.scores(n * points, (j, buf, off) -> {
            int k = j / points, r = j % points - 1;
            float[] x = ctx.item(k).input();
            System.arraycopy(x, 0, buf, off, x.length);
            if (r < 0) return;
            for (int p : subsets[k][r]) for (int c = 0; c < channels; c++) buf[off + c * plane + p] = minimum[k];
        }, targets, OutputSpace.LOGIT);
        double[][] logits = new double[n][points];
        for (int j = 0; j < s.length; j++) logits[j / points][j % points] = s[j];
        return new Runs(subsets, logits);
    }

    /** The first {@code k} entries of a keyed Fisher–Yates shuffle of 0..n−1. */
    static int[] subset(int n, int k, long key) {
        int[] a = new int[n];
        for (int j = 0; j < n; j++) a[j] = j;
        for (int j = 0; j < k; j++) {
            int pick = j + (int) (KeyedRandom.uniform(key, j) * (n - j));
            int t = a[j];
            a[j] = a[pick];
            a[pick] = t;
        }
        return java.util.Arrays.copyOf(a, k);
    }
}
