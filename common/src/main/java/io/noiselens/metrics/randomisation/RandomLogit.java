package io.noiselens.metrics.randomisation;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Statistic;
import io.noiselens.metrics.Similarity;
import io.noiselens.random.KeyedRandom;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Random logit test (Sixt, Granz, Landgraf, "When Explanations Lie: Why Many Modified BP Attributions Fail",
 * ICML 2020; Quantus {@code RandomLogit}): the method re-explains the image for a class drawn uniformly from the
 * other classes (keyed by seed and image id, no global RNG), and the score is the SSIM between that map and the
 * original one. Quantus computes SSIM on flattened 1-D vectors; here it is the 2-D SSIM of the heat maps
 * ({@link Similarity}). Lower is better: a class-sensitive explanation changes with the class.
 */
public final class RandomLogit implements Metric {
    @Override
    public MetricInfo info() {
        return new MetricInfo("random_logit", MetricCategory.RANDOMISATION, false, false,
                Map.of("similarity", "ssim_2d(window=7)", "off_class", "uniform over the other classes"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        float[] offClass = ctx.heatmapOf(ctx.get(OFF_CLASS_MAPS)[i]);
        return MetricValue.of(Similarity.ssim(ctx.item(i).heatmap(), offClass, ctx.spec().height(), ctx.spec().width()));
    }

    private static final Statistic<float[][]> OFF_CLASS_MAPS = new OffClassMaps();

    /** The method's maps of every item's own input explained for its {@linkplain #offClass other class}. */
    private record OffClassMaps() implements Statistic<float[][]> {
        @Override
        public float[][] compute(MetricContext ctx) {
            int n = ctx.size(), classes = ctx.spec().numClasses();
            List<String> ids = new ArrayList<>();
            int[] targets = new int[n];
            for (int k = 0; k < n; k++) {
                ids.add(ctx.item(k).id() + "#random_logit");
                targets[k] = offClass(ctx, k, classes);
            }
            return ctx.reexplain(ctx.inputs(), ids, targets, MetricContext.Variant.SAME);
        }
    }

    /** The other class for item k: uniform over the classes other than its target. */
    static int offClass(MetricContext ctx, int k, int classes) {
        long key = KeyedRandom.key(ctx.seed(), KeyedRandom.Purpose.INPUT, KeyedRandom.hash(ctx.item(k).id()),
                KeyedRandom.hash("random_logit"));
        int r = (int) (KeyedRandom.uniform(key, 0) * (classes - 1));
        return r >= ctx.item(k).target() ? r + 1 : r;
    }
}
