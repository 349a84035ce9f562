package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.ForwardEvaluator;
import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Statistic;
import io.noiselens.random.KeyedRandom;

import java.util.Arrays;
import java.util.Map;

/**
 * ROAD, RemOve And Debias (Rong et al., ICML 2022; Quantus {@code ROAD}, METHODS.md §8.1): for each percentage p,
 * the ⌊p·H·W/100⌋ most relevant pixels (MoRF) or least relevant (LeRF) of the stable ranking are removed from the
 * clean image with all their channels and filled by {@link NoisyLinearImputation}; the model then either still
 * predicts the target or not. The curve holds that 1/0 outcome per percentage and the score is its mean (the
 * normalised area under the ROAD accuracy curve; averaged over images it is Quantus's accuracy per percentage,
 * computed over every batch rather than the first). Lower is better under MoRF, higher under LeRF. All imputed
 * inputs of the batch go through one batched evaluation; the noise of (image, p) is keyed by seed and image id.
 */
public record Road(boolean morf, double[] percentages, double noise) implements Metric {
    /** Quantus's defaults: percentages 1, 3, …, 99, imputation noise 0.01. */
    public static final Road MORF = new Road(true, defaultPercentages(), 0.01);
    public static final Road LERF = new Road(false, defaultPercentages(), 0.01);

    public Road {
        for (double p : percentages) {
            if (!(p > 0 && p < 100)) throw new IllegalArgumentException("ROAD percentages must lie in (0, 100), got " + p);
        }
        percentages = percentages.clone();
    }

    @Override
    public double[] percentages() {
        return percentages.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Road r && r.morf == morf && Arrays.equals(r.percentages, percentages)
                && Double.compare(r.noise, noise) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(morf, Arrays.hashCode(percentages), noise);
    }

    @Override
    public String toString() {
        return "Road[morf=" + morf + ", percentages=" + Arrays.toString(percentages) + ", noise=" + noise + "]";
    }

    /** Quantus's default grid: 1, 3, 5, …, 99. */
    public static double[] defaultPercentages() {
        double[] p = new double[50];
        for (int k = 0; k < p.length; k++) p[k] = 2 * k + 1;
        return p;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo(morf ? "road_morf" : "road_lerf", MetricCategory.FAITHFULNESS, !morf, false,
                Map.of("order", morf ? "morf" : "lerf", "percentages", Arrays.toString(percentages),
                        "imputation", "noisy_linear(1/6 edge, 1/12 diagonal)", "noise_std", noise,
                        "noise_space", "model input", "feature", "pixel (all channels)",
                        "curve", "1 if argmax = target per percentage", "score", "mean of curve"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        double[] curve = ctx.get(new Outcomes(this))[i];
        return MetricValue.of(mean(curve), curve);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) s += d;
        return s / v.length;
    }

    /** The batch's outcomes of {@code metric}. */
    private record Outcomes(Road metric) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            return metric.outcomes(ctx);
        }
    }

    /** 1/0 per (item, percentage): whether the imputed image is still classified as the target. */
    private double[][] outcomes(MetricContext ctx) {
        int n = ctx.size(), points = percentages.length, plane = ctx.pixels();
        NoisyLinearImputation imputer = new NoisyLinearImputation(ctx.spec().channels(), ctx.spec().height(),
                ctx.spec().width(), noise);
        int[][] orders = new int[n][];
        int[] targets = new int[n * points];
        for (int i = 0; i < n; i++) {
            orders[i] = morf ? ctx.ranking(i) : ctx.ascendingRanking(i);
            Arrays.fill(targets, i * points, (i + 1) * points, ctx.item(i).target());
        }
        ForwardEvaluator.Scores s = ctx.evaluate(n * points, (j, buf, off) -> {
            int i = j / points, p = j % points;
            int removed = (int) Math.floor(percentages[p] / 100 * plane);
            long key = KeyedRandom.key(ctx.seed(), KeyedRandom.Purpose.INPUT, KeyedRandom.hash(ctx.item(i).id()),
                    KeyedRandom.hash(info().name()), p);
            imputer.impute(ctx.item(i).input(), orders[i], removed, key, buf, off);
        }, targets);
        double[][] out = new double[n][points];
        for (int j = 0; j < n * points; j++) out[j / points][j % points] = s.argmax()[j] == targets[j] ? 1 : 0;
        return out;
    }
}
