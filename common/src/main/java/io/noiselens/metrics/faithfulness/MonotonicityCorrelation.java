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
 * Monotonicity correlation (Nguyen &amp; Martínez, "On Quantitative Aspects of Model Interpretability", 2020; Quantus
 * {@code MonotonicityCorrelation}, METHODS-2.md §B.1): each {@code patch}×{@code patch} block alone (not
 * cumulatively) is replaced {@code samples} times by the {@code perturb_baseline} — by default Quantus's "uniform",
 * a fresh draw between the image's minimum and maximum per value and sample, keyed by (run seed, image, sample) — and
 * the block's effect is v_b = mean_s (p(x̃_s) − p(x))² / p(x)² on the class's softmax probability (not divided when
 * p(x) &lt; 10⁻⁵). The score is the Spearman correlation between the blocks' attribution sums (after Quantus's
 * defaults: |a| normalised by its maximum) and their effects, ties sharing ranks. Higher is better; NaN when either
 * series is constant. Quantus perturbs single values with 100 draws each (1.5·10⁷ passes on ImageNet); blocks and
 * the run's {@code metrics.robustness_samples} draws keep it to (224/8)²·10 passes. A deterministic baseline needs one
 * draw, so it makes one.
 */
public record MonotonicityCorrelation(int patch, int samples, PerturbBaseline baseline) implements Metric {
    static final double EPS = 1e-5;

    @Override
    public MetricInfo info() {
        return new MetricInfo("monotonicity_correlation", MetricCategory.FAITHFULNESS, true, false, Map.of("patch_size",
                patch, "samples", baseline.random() ? samples : 1, "perturb_baseline", baseline.key(), "eps", EPS,
                "output", "probability", "order", "each block alone", "similarity", "spearman"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        double[] effects = ctx.get(new Effects(patch, baseline.random() ? samples : 1, baseline))[i];
        double[] sums = Blocks.of(ctx.spec(), patch).sums(ctx.item(i).heatmap());
        double r = Similarity.spearman(sums, effects);
        return Double.isNaN(r) ? MetricValue.nan("a constant series (all block sums or all effects equal)")
                : MetricValue.of(r);
    }

    /** Per item and block, v_b. Depends on the images only: every method scored on the batch shares it. */
    record Effects(int patch, int samples, PerturbBaseline baseline) implements Statistic<double[][]> {
        @Override
        public boolean methodIndependent() {
            return true;
        }

        @Override
        public double[][] compute(MetricContext ctx) {
            Blocks blocks = Blocks.of(ctx.spec(), patch);
            int n = ctx.size(), count = blocks.count(), plane = ctx.pixels(), channels = ctx.spec().channels();
            int per = 1 + count * samples;   // row 0 the clean input, then block-major, sample-minor
            int[] targets = new int[n * per];
            for (int j = 0; j < targets.length; j++) targets[j] = ctx.item(j / per).target();
            // A fixed baseline is one image per item; a random one is drawn value by value, only inside the block.
            float[][] fixed = baseline.random() ? null : baseline.images(ctx);
            float[] min = new float[n], max = new float[n];
            for (int i = 0; i < n; i++) {
                min[i] = ctx.minimum(i);
                max[i] = maximum(ctx.item(i).input());
            }
            double[] p = ctx.scores(n * per, (j, buf, off) -> {
                int i = j / per, r = j % per - 1;
                float[] x = ctx.item(i).input();
                System.arraycopy(x, 0, buf, off, x.length);
                if (r < 0) return;
                long key = fixed == null ? PerturbBaseline.uniformKey(ctx, i, r % samples) : 0;
                for (int q : blocks.pixels(r / samples)) {
                    for (int c = 0; c < channels; c++) {
                        int k = c * plane + q;
                        buf[off + k] = fixed != null ? fixed[i][k] : PerturbBaseline.uniform(key, k, min[i], max[i]);
                    }
                }
            }, targets, OutputSpace.PROBABILITY);
            double[][] out = new double[n][count];
            for (int i = 0; i < n; i++) {
                double clean = p[i * per], scale = Math.abs(clean) < EPS ? 1 : clean * clean;
                for (int b = 0; b < count; b++) {
                    double v = 0;
                    for (int s = 0; s < samples; s++) {
                        double d = p[i * per + 1 + b * samples + s] - clean;
                        v += d * d;
                    }
                    out[i][b] = v / samples / scale;
                }
            }
            return out;
        }

        private static float maximum(float[] x) {
            float m = Float.NEGATIVE_INFINITY;
            for (float v : x) m = Math.max(m, v);
            return m;
        }
    }
}
