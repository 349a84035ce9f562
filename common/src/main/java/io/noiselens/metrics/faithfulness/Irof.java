package io.noiselens.metrics.faithfulness;

import io.noiselens.attribution.perturbation.Segments;
import io.noiselens.attribution.perturbation.Slic;
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
 * IROF, iterative removal of features (Rieger &amp; Hansen, "IROF: a low resource evaluation metric for explanation
 * methods", ICLR workshop 2020; Quantus {@code IROF}, METHODS-2.md §B.1): the image's SLIC superpixels (scikit-image's
 * algorithm, {@link Slic}, {@code segments} requested) are ranked by their mean attribution (ties in segment order) and removed cumulatively,
 * most relevant first, to the {@code perturb_baseline} (by default "mean": the image's per-channel mean); r_k = p_c(x̃_k) / p_c(x) on the softmax, and the score is the
 * area over that curve per segment, 1 − trapz(r)/(n) with r₀ = 1 excluded as in Quantus (which returns the
 * unnormalised n − trapz(r)). Higher is better. Quantus recomputes the mean on the already-perturbed image at each
 * step; here it is the original image's, as the paper describes; Quantus 0.6.0 also fails on RGB (its mask and image
 * shapes differ).
 */
public record Irof(int segments, PerturbBaseline baseline) implements Metric {
    /** scikit-image's default superpixel count, as Quantus calls it. */
    public static final Irof DEFAULT = new Irof(100, PerturbBaseline.MEAN);

    @Override
    public MetricInfo info() {
        return new MetricInfo("irof", MetricCategory.FAITHFULNESS, true, false, Map.of("segmentation", "slic",
                "n_segments", segments, "compactness", 10.0, "order", "segment mean attribution, descending, cumulative",
                "perturb_baseline", baseline.key(), "output", "probability ratio",
                "score", "1 - trapz(r) / n"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        double[] r = ctx.get(new Curves(segments, baseline))[i];
        if (r.length == 1) return MetricValue.nan("the image has one superpixel: nothing to rank");
        double trapz = 0;
        for (int k = 1; k < r.length; k++) trapz += (r[k - 1] + r[k]) / 2;
        return MetricValue.of(1 - trapz / r.length, r);
    }

    /** Per image, r_k for k = 1 … n segments removed (the ratio to the clean probability). */
    record Curves(int segments, PerturbBaseline baseline) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            int n = ctx.size(), plane = ctx.pixels(), channels = ctx.spec().channels();
            int[][] order = new int[n][], bounds = new int[n][];
            float[][] mean = new float[n][];
            int[] offsets = new int[n + 1];
            for (int i = 0; i < n; i++) {
                float[] x = ctx.item(i).input(), h = ctx.item(i).heatmap();
                Segments seg = Slic.segment(x, channels, ctx.spec().height(), ctx.spec().width(), ctx.spec().preprocessing(),
                        segments, 10, 10);
                double[] sum = new double[seg.count()];
                int[] size = seg.sizes();
                for (int p = 0; p < plane; p++) sum[seg.labels()[p]] += h[p];
                Integer[] rank = new Integer[seg.count()];
                for (int s = 0; s < rank.length; s++) rank[s] = s;
                java.util.Arrays.sort(rank, (a, b) -> Double.compare(sum[b] / size[b], sum[a] / size[a]));
                int[] pos = new int[seg.count()];
                for (int k = 0; k < rank.length; k++) pos[rank[k]] = k;
                Integer[] pixels = new Integer[plane];
                for (int p = 0; p < plane; p++) pixels[p] = p;
                java.util.Arrays.sort(pixels, (a, b) -> Integer.compare(pos[seg.labels()[a]], pos[seg.labels()[b]]));
                order[i] = java.util.Arrays.stream(pixels).mapToInt(Integer::intValue).toArray();
                bounds[i] = new int[seg.count()];
                int acc = 0;
                for (int k = 0; k < rank.length; k++) bounds[i][k] = acc += size[rank[k]];
                mean[i] = baseline.image(ctx, i);
                offsets[i + 1] = offsets[i] + seg.count() + 1;
            }
            int[] targets = new int[offsets[n]];
            for (int i = 0; i < n; i++) java.util.Arrays.fill(targets, offsets[i], offsets[i + 1], ctx.item(i).target());
            double[] p = ctx.scores(offsets[n], (j, buf, off) -> {
                int i = java.util.Arrays.binarySearch(offsets, j);
                i = i >= 0 ? i : -i - 2;
                int k = j - offsets[i], moved = k == 0 ? 0 : bounds[i][k - 1];
                float[] x = ctx.item(i).input();
                System.arraycopy(x, 0, buf, off, x.length);
                for (int q = 0; q < moved; q++) {
                    int px = order[i][q];
                    for (int c = 0; c < channels; c++) buf[off + c * plane + px] = mean[i][c * plane + px];
                }
            }, targets, OutputSpace.PROBABILITY);
            double[][] out = new double[n][];
            for (int i = 0; i < n; i++) {
                double clean = p[offsets[i]];
                out[i] = new double[offsets[i + 1] - offsets[i] - 1];
                for (int k = 0; k < out[i].length; k++) out[i][k] = clean == 0 ? Double.NaN : p[offsets[i] + k + 1] / clean;
            }
            return out;
        }
    }
}
