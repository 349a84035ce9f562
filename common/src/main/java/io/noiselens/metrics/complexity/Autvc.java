package io.noiselens.metrics.complexity;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PercentileScaling;
import io.noiselens.metrics.Simpson;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Multi-scale average total variation, the noise-level metric of SmoothTaylor (Goh, Lapuschkin, Weber, Samek,
 * Binder, "Understanding Integrated Gradients with SmoothTaylor for Deep Neural Network Attribution", ICPR 2020;
 * code {@code eval.average_total_variation}, {@code compute_multiscaled_atv}; METHODS.md §5.4).
 *
 * <p>The signed heat map is turned into a Gaussian pyramid as {@code skimage.transform.pyramid_gaussian} builds it
 * (downscale 1.5: smooth with σ = 2·1.5/6 truncated at 4σ, reflect borders, then bilinear resize to ⌈side/1.5⌉
 * with half-pixel centres), keeping levels while both sides are at least {@code minSide}. Each level h is
 * normalised — |h|, minus its minimum, divided by (99th percentile − minimum), clipped to [0, 1] — and scored
 * ATV(h) = (Σ|h[:, j+1] − h[:, j]| + Σ|h[i+1, :] − h[i, :]|) / (H·W). AUTVC is the Simpson integral (dx = 1) of
 * ATV over the level index; the curve holds ATV per level. Lower means less noisy.
 */
public final class Autvc implements Metric {
    private final double downscale;
    private final int minSide;

    /** SmoothTaylor's defaults (downscale 1.5, smallest side 30): the registry's and adaptive noising's. */
    public static final Autvc DEFAULT = new Autvc(1.5, 30);

    public Autvc(double downscale, int minSide) {
        if (!(downscale > 1) || minSide < 2) throw new IllegalArgumentException("downscale must be > 1 and min side ≥ 2");
        this.downscale = downscale;
        this.minSide = minSide;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("autvc", MetricCategory.COMPLEXITY, false, false, Map.of("downscale", downscale,
                "min_side", minSide, "norm", 1, "heat_map_scaling", "abs, min, 99th percentile, clip", "integral",
                "simpson(dx=1, even=avg)", "curve", "ATV per pyramid level"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        return of(ctx.item(i).heatmap(), ctx.spec().height(), ctx.spec().width());
    }

    /** AUTVC of an H×W heat map, with the ATV per level as the curve (NaN when no level is large enough). */
    public MetricValue of(float[] heat, int h, int w) {
        double[] atv = levels(heat, h, w);
        if (atv.length < 2) {
            return MetricValue.nan("the area under the ATV curve needs two pyramid levels of at least " + minSide
                    + " px; the map is " + h + "×" + w);
        }
        return MetricValue.of(Simpson.integrate(atv), atv);
    }

    /** ATV of every pyramid level with both sides ≥ minSide. */
    private double[] levels(float[] heat, int h, int w) {
        List<Double> out = new ArrayList<>();
        double[] level = new double[heat.length];
        for (int k = 0; k < heat.length; k++) level[k] = heat[k];
        while (h >= minSide && w >= minSide) {
            out.add(atv(level, h, w));
            int nh = (int) Math.ceil(h / downscale), nw = (int) Math.ceil(w / downscale);
            if (nh == h && nw == w) break;
            level = resize(smooth(level, h, w, 2 * downscale / 6), h, w, nh, nw);
            h = nh;
            w = nw;
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Normalised average total variation (p = 1) of one level. */
    static double atv(double[] level, int h, int w) {
        double[] a = new double[level.length];
        for (int k = 0; k < a.length; k++) a[k] = Math.abs(level[k]);
        PercentileScaling.scale(a, 0.99);
        double tv = 0;
        for (int y = 0; y < h; y++) for (int x = 0; x + 1 < w; x++) tv += Math.abs(a[y * w + x + 1] - a[y * w + x]);
        for (int y = 0; y + 1 < h; y++) for (int x = 0; x < w; x++) tv += Math.abs(a[(y + 1) * w + x] - a[y * w + x]);
        return tv / (h * w);
    }

    /** {@code scipy.ndimage.gaussian_filter(mode='reflect', truncate=4)}: separable, half-sample symmetric borders. */
    static double[] smooth(double[] img, int h, int w, double sigma) {
        int r = (int) (4 * sigma + 0.5);
        double[] k = new double[2 * r + 1];
        double norm = 0;
        for (int j = -r; j <= r; j++) norm += (k[j + r] = Math.exp(-0.5 * j * j / (sigma * sigma)));
        for (int j = 0; j < k.length; j++) k[j] /= norm;
        double[] tmp = new double[img.length], out = new double[img.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int j = -r; j <= r; j++) s += k[j + r] * img[y * w + reflect(x + j, w)];
                tmp[y * w + x] = s;
            }
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int j = -r; j <= r; j++) s += k[j + r] * tmp[reflect(y + j, h) * w + x];
                out[y * w + x] = s;
            }
        }
        return out;
    }

    /** Index under half-sample symmetric extension: (d c b a | a b c d | d c b a). */
    static int reflect(int i, int n) {
        int period = 2 * n;
        i = Math.floorMod(i, period);
        return i < n ? i : period - 1 - i;
    }

    /** Bilinear resize with half-pixel centres ({@code scipy.ndimage.zoom(order=1, grid_mode=True)}). */
    static double[] resize(double[] img, int h, int w, int nh, int nw) {
        double[] out = new double[nh * nw];
        double sy = (double) h / nh, sx = (double) w / nw;
        for (int y = 0; y < nh; y++) {
            double fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
            int y0 = (int) Math.floor(fy), y1 = Math.min(h - 1, y0 + 1);
            double ty = fy - y0;
            for (int x = 0; x < nw; x++) {
                double fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
                int x0 = (int) Math.floor(fx), x1 = Math.min(w - 1, x0 + 1);
                double tx = fx - x0;
                out[y * nw + x] = (1 - ty) * ((1 - tx) * img[y0 * w + x0] + tx * img[y0 * w + x1])
                        + ty * ((1 - tx) * img[y1 * w + x0] + tx * img[y1 * w + x1]);
            }
        }
        return out;
    }
}
