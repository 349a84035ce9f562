package io.noiselens.attribution.perturbation;

import io.noiselens.model.Preprocessing;

import java.util.ArrayDeque;

/**
 * SLIC superpixels (Achanta et al., "SLIC Superpixels Compared to State-of-the-Art Superpixel Methods", IEEE TPAMI
 * 2012) with scikit-image's defaults ({@code skimage.segmentation.slic}: n_segments 100, compactness 10, 10
 * iterations, no smoothing, connectivity enforced; METHODS-2.md §A.4), run on the image's RGB in [0, 1] (its model
 * input mapped back through the normaliser) converted to CIELAB for three channels, the intensity for one.
 *
 * <p>As scikit-image 0.19 runs it: the image rescaled to [0, 1] by its extremes, cluster centres on its regular grid
 * (step S = round(√(HW / n)) from ⌊√(HW / n)/2⌋); each pixel joins the centre within 2S minimising
 * d_c² + (d_s/S)²·m², d_c the colour distance and d_s the spatial one; centres move to their pixels' means; then
 * connected pieces smaller than half the mean segment join a neighbour and pieces are capped at three times it, labels
 * 0 … count − 1 in raster order. The count differs from n, as in
 * scikit-image. Written here: no library on Maven Central offers SLIC without a computer-vision stack (BoofCV
 * brings ≈ 10 MB to every executor).
 */
public final class Slic {
    private Slic() {}

    /** Superpixels of a model-space C×H×W image. */
    public static Segments segment(float[] chw, int channels, int height, int width, Preprocessing pre, int nSegments,
                                   double compactness, int iterations) {
        int plane = height * width;
        double[][] f = features(chw, channels, plane, pre);
        int k = f.length;
        // scikit-image's regular_grid: step √(HW/n), seeds from ⌊step/2⌋ every round(step) pixels.
        double step = Math.sqrt((double) plane / nSegments);
        int start = (int) Math.floor(step / 2), stride = Math.max(1, (int) Math.rint(step));
        int gy = (height - start + stride - 1) / stride, gx = (width - start + stride - 1) / stride;
        int centres = gy * gx;
        double[][] c = new double[centres][k + 2];
        for (int a = 0; a < gy; a++) {
            for (int b = 0; b < gx; b++) {
                int y = start + a * stride, x = start + b * stride;
                // Colour starts at 0 (scikit-image's zeros): the first assignment is by distance alone.
                double[] ci = c[a * gx + b];
                ci[k] = y;
                ci[k + 1] = x;
            }
        }
        double s = stride, m2 = compactness * compactness / (s * s);
        int[] labels = new int[plane];
        double[] dist = new double[plane];
        for (int it = 0; it < iterations; it++) {
            java.util.Arrays.fill(dist, Double.POSITIVE_INFINITY);
            for (int j = 0; j < centres; j++) {
                double[] cj = c[j];
                int y0 = (int) Math.max(cj[k] - 2 * s, 0), y1 = (int) Math.min(cj[k] + 2 * s + 1, height);
                int x0 = (int) Math.max(cj[k + 1] - 2 * s, 0), x1 = (int) Math.min(cj[k + 1] + 2 * s + 1, width);
                for (int y = y0; y < y1; y++) {
                    for (int x = x0; x < x1; x++) {
                        int i = y * width + x;
                        double dc = 0;
                        for (int q = 0; q < k; q++) dc += (f[q][i] - cj[q]) * (f[q][i] - cj[q]);
                        double dy = y - cj[k], dx = x - cj[k + 1];
                        double d = dc + (dy * dy + dx * dx) * m2;
                        if (d < dist[i]) {
                            dist[i] = d;
                            labels[i] = j;
                        }
                    }
                }
            }
            double[][] sum = new double[centres][k + 3];
            for (int i = 0; i < plane; i++) {
                double[] t = sum[labels[i]];
                for (int q = 0; q < k; q++) t[q] += f[q][i];
                t[k] += i / width;
                t[k + 1] += i % width;
                t[k + 2]++;
            }
            for (int j = 0; j < centres; j++) {
                if (sum[j][k + 2] == 0) continue;
                for (int q = 0; q < k + 2; q++) c[j][q] = sum[j][q] / sum[j][k + 2];
            }
        }
        double segmentSize = (double) plane / centres;
        return connected(labels, height, width, (int) (MIN_SIZE_FACTOR * segmentSize), (int) (MAX_SIZE_FACTOR * segmentSize));
    }

    /** scikit-image's connectivity bounds: smaller pieces join a neighbour, larger ones are cut. */
    static final double MIN_SIZE_FACTOR = 0.5, MAX_SIZE_FACTOR = 3;

    /**
     * CIELAB (D65) planes of an RGB image, or the intensity of a one-channel one, from the model-space input mapped
     * back to pixels and rescaled to [0, 1] by its own minimum and maximum, as scikit-image does first.
     */
    static double[][] features(float[] chw, int channels, int plane, Preprocessing pre) {
        double[][] rgb = new double[channels][plane];
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < plane; i++) {
                double v = chw[c * plane + i] * (double) pre.std()[c] + pre.mean()[c];
                rgb[c][i] = v;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        for (double[] ch : rgb) for (int i = 0; i < plane; i++) ch[i] = hi > lo ? (ch[i] - lo) / (hi - lo) : ch[i] - lo;
        if (channels != 3) return rgb;
        double[][] lab = new double[3][plane];
        for (int i = 0; i < plane; i++) {
            double r = linear(rgb[0][i]), g = linear(rgb[1][i]), b = linear(rgb[2][i]);
            double x = (0.412453 * r + 0.357580 * g + 0.180423 * b) / 0.95047;
            double y = 0.212671 * r + 0.715160 * g + 0.072169 * b;
            double z = (0.019334 * r + 0.119193 * g + 0.950227 * b) / 1.08883;
            double fx = lab(x), fy = lab(y), fz = lab(z);
            lab[0][i] = 116 * fy - 16;
            lab[1][i] = 500 * (fx - fy);
            lab[2][i] = 200 * (fy - fz);
        }
        return lab;
    }

    private static double linear(double v) {
        return v > 0.04045 ? Math.pow((v + 0.055) / 1.055, 2.4) : v / 12.92;
    }

    private static double lab(double t) {
        return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16.0 / 116;
    }

    /**
     * scikit-image's connectivity enforcement: in raster order, each unvisited pixel starts a component grown
     * breadth-first (right, left, down, up) over its cluster's pixels, up to {@code maxSize} pixels; a component smaller
     * than {@code minSize} joins the last labelled neighbour met while growing it (label 0 when none is labelled yet),
     * else it gets the next label.
     */
    static Segments connected(int[] labels, int height, int width, int minSize, int maxSize) {
        int plane = height * width;
        int[] out = new int[plane];
        java.util.Arrays.fill(out, -1);
        int[] queue = new int[plane];
        int next = 0;
        int[] dx = {1, -1, 0, 0}, dy = {0, 0, 1, -1};
        for (int start = 0; start < plane; start++) {
            if (out[start] >= 0) continue;
            int adjacent = 0, size = 1, visited = 0;
            out[start] = next;
            queue[0] = start;
            grow:
            while (visited < size && size < maxSize) {
                int i = queue[visited++], y = i / width, x = i % width;
                for (int d = 0; d < 4; d++) {
                    int yy = y + dy[d], xx = x + dx[d];
                    if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
                    int j = yy * width + xx;
                    if (labels[j] == labels[start] && out[j] == -1) {
                        out[j] = next;
                        queue[size++] = j;
                        if (size >= maxSize) break grow;
                    } else if (out[j] >= 0 && out[j] != next) {
                        adjacent = out[j];
                    }
                }
            }
            if (size < minSize) {
                for (int q = 0; q < size; q++) out[queue[q]] = adjacent;
            } else {
                next++;
            }
        }
        // Pieces merged before any segment was labelled join label 0, which then exists even if no piece kept it.
        return new Segments(out, Math.max(next, 1), height, width);
    }
}
