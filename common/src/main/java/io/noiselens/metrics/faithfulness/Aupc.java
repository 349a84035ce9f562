package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Statistic;
import io.noiselens.metrics.Simpson;
import io.noiselens.metrics.SummaryStatistics;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.Preprocessing;
import io.noiselens.random.KeyedRandom;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * SmoothTaylor's sensitivity metric: the perturbation curve and its area, AUPC (Goh et al., ICPR 2020; code
 * {@code eval.compute_perturbations}, {@code compute_aupc}; METHODS.md §5.3). Windows of k×k pixels with top-left
 * corner (h, w), h &lt; H − k and w &lt; W − k as in the code, are scored by the mean |heat|; up to L
 * non-overlapping windows are picked greedily by decreasing score (ties by position). Window by window, P patches
 * of uniform random pixels ({@code randint(0, 256)/255} per value in pixel space, then the model's normalisation)
 * replace it; the mean target logit over the P copies is recorded, and the copy whose logit is closest to the
 * median is kept, so the perturbation accumulates. The curve is [f_c(x), m₁, …, m_L] / |f_c(x)| and AUPC its
 * Simpson integral (dx = 1). Lower is better. Each step evaluates the P copies of every item of the batch in one
 * batched call; patches are keyed by (seed, image id, step, copy).
 */
public record Aupc(int window, int steps, int patches) implements Metric {
    /** SmoothTaylor's defaults (15×15 windows, up to 30 of them, 50 patches each): the registry's and adaptive noising's. */
    public static final Aupc DEFAULT = new Aupc(15, 30, 50);

    public Aupc {
        if (window < 1 || steps < 1 || patches < 1) throw new IllegalArgumentException("window, steps and patches must be ≥ 1");
    }

    /** This metric with {@code patches} random patches per window. */
    public Aupc withPatches(int patches) {
        return new Aupc(window, steps, patches);
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("aupc", MetricCategory.FAITHFULNESS, false, false, Map.of("window", window,
                "max_windows", steps, "patches_per_window", patches, "patch", "uniform randint(0,256)/255 in pixel space",
                "output", "logit", "kept_patch", "closest to the median logit", "integral", "simpson(dx=1, even=avg)",
                "curve", "[f(x), mean logit per window] / |f(x)|"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        double[] curve = ctx.get(new Curves(this))[i];
        if (curve == null) return MetricValue.nan("the target logit of the clean image is 0, so the curve cannot be normalised");
        if (curve.length == 1) return MetricValue.nan("no " + window + "×" + window + " window fits in the image");
        return MetricValue.of(Simpson.integrate(curve), curve);
    }

    /** Top-left corners (y·W + x) of the non-overlapping windows picked greedily by mean |heat|, most relevant first. */
    public int[] windows(float[] heat, int h, int w) {
        int rows = h - window, cols = w - window;
        if (rows <= 0 || cols <= 0) return new int[0];
        double[] integral = new double[(h + 1) * (w + 1)];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                integral[(y + 1) * (w + 1) + x + 1] = Math.abs(heat[y * w + x]) + integral[y * (w + 1) + x + 1]
                        + integral[(y + 1) * (w + 1) + x] - integral[y * (w + 1) + x];
            }
        }
        Integer[] idx = new Integer[rows * cols];
        double[] score = new double[idx.length];
        for (int k = 0; k < idx.length; k++) {
            idx[k] = k;
            int y = k / cols, x = k % cols;
            score[k] = integral[(y + window) * (w + 1) + x + window] - integral[y * (w + 1) + x + window]
                    - integral[(y + window) * (w + 1) + x] + integral[y * (w + 1) + x];
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Double.compare(score[b], score[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        List<Integer> picked = new ArrayList<>();
        for (int k = 0; k < idx.length && picked.size() < steps; k++) {
            int y = idx[k] / cols, x = idx[k] % cols;
            boolean free = true;
            for (int p : picked) {
                if (Math.abs(p / w - y) < window && Math.abs(p % w - x) < window) {
                    free = false;
                    break;
                }
            }
            if (free) picked.add(y * w + x);
        }
        return picked.stream().mapToInt(Integer::intValue).toArray();
    }

    private double[][] curves(MetricContext ctx) {
        int n = ctx.size(), size = ctx.spec().inputSize(), c = ctx.spec().channels();
        int h = ctx.spec().height(), w = ctx.spec().width(), plane = h * w;
        Preprocessing pre = ctx.spec().preprocessing();
        int[][] picked = new int[n][];
        float[][] current = new float[n][];
        int[] targets = new int[n];
        int longest = 0;
        for (int i = 0; i < n; i++) {
            picked[i] = windows(ctx.item(i).heatmap(), h, w);
            current[i] = ctx.item(i).input().clone();
            targets[i] = ctx.item(i).target();
            longest = Math.max(longest, picked[i].length);
        }
        double[] clean = ctx.scores(n, (j, buf, off) -> System.arraycopy(current[j], 0, buf, off, size), targets,
                OutputSpace.LOGIT);
        double[][] curve = new double[n][];
        for (int i = 0; i < n; i++) {
            curve[i] = new double[picked[i].length + 1];
            curve[i][0] = clean[i];
        }
        for (int s = 0; s < longest; s++) {
            int step = s;
            List<Integer> active = new ArrayList<>();
            for (int i = 0; i < n; i++) if (step < picked[i].length) active.add(i);
            int[] t = new int[active.size() * patches];
            for (int a = 0; a < active.size(); a++) Arrays.fill(t, a * patches, (a + 1) * patches, targets[active.get(a)]);
            double[] logits = ctx.scores(t.length, (j, buf, off) -> {
                int i = active.get(j / patches);
                System.arraycopy(current[i], 0, buf, off, size);
                paste(ctx, pre, i, step, j % patches, picked[i][step], buf, off, c, w, plane);
            }, t, OutputSpace.LOGIT);
            for (int a = 0; a < active.size(); a++) {
                int i = active.get(a);
                double[] l = Arrays.copyOfRange(logits, a * patches, (a + 1) * patches);
                double mean = 0;
                for (double v : l) mean += v;
                curve[i][step + 1] = mean / patches;
                double median = SummaryStatistics.quantile(l, 0.5);
                int keep = 0;
                for (int k = 1; k < patches; k++) if (Math.abs(l[k] - median) < Math.abs(l[keep] - median)) keep = k;
                paste(ctx, pre, i, step, keep, picked[i][step], current[i], 0, c, w, plane);
            }
        }
        for (int i = 0; i < n; i++) {
            double f = Math.abs(curve[i][0]);
            if (f == 0) {
                curve[i] = null;
                continue;
            }
            for (int k = 0; k < curve[i].length; k++) curve[i][k] /= f;
        }
        return curve;
    }

    /** The batch's perturbation curves (null where the clean logit is 0). */
    private record Curves(Aupc metric) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            return metric.curves(ctx);
        }
    }

    /** Writes random patch {@code copy} of window {@code step} (top-left {@code corner}) of item i into buf. */
    private void paste(MetricContext ctx, Preprocessing pre, int i, int step, int copy, int corner, float[] buf, int off,
                       int channels, int w, int plane) {
        long key = KeyedRandom.key(ctx.seed(), KeyedRandom.Purpose.INPUT, KeyedRandom.hash(ctx.item(i).id()),
                KeyedRandom.hash("aupc"), step, copy);
        int y0 = corner / w, x0 = corner % w, v = 0;
        for (int ch = 0; ch < channels; ch++) {
            for (int y = y0; y < y0 + window; y++) {
                for (int x = x0; x < x0 + window; x++) {
                    float pixel = (int) (KeyedRandom.uniform(key, v++) * 256) / 255f;
                    buf[off + ch * plane + y * w + x] = pre.normalise(ch, pixel);
                }
            }
        }
    }
}
