package io.noiselens.attribution.perturbation;

import io.noiselens.model.Preprocessing;

import java.util.ArrayDeque;

/**
 * SLIC superpixels (Achanta et al., "SLIC Superpixels Compared to State-of-the-Art Superpixel Methods", IEEE TPAMI
 * 2012) with scikit-image's defaults ({@code skimage.segmentation.slic}: n_segments 100, compactness 10, 10
 * iterations, no smoothing, connectivity enforced; METHODS-2.md §A.4), run on the image's RGB in [0, 1] (its model
 * input mapped back through the normaliser) converted to CIELAB for three channels, the intensity for one.
 *
 * <p>Cluster centres start on a regular grid of step S = √(HW / n); each pixel joins the centre within 2S minimising
 * d = √(d_c² + (d_s/S)²·m²), d_c the colour distance and d_s the spatial one; centres move to their pixels' means.
 * Then segments smaller than a quarter of the expected size, and pieces cut off from their segment, join an
 * adjacent segment, and labels are renumbered 0 … count − 1 in raster order. The count differs from n, as in
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
        double step = Math.sqrt((double) plane / nSegments);
        int gy = Math.max(1, (int) Math.round(height / step)), gx = Math.max(1, (int) Math.round(width / step));
        int centres = gy * gx;
        double[][] c = new double[centres][k + 2];
        for (int a = 0; a < gy; a++) {
            for (int b = 0; b < gx; b++) {
                int y = Math.min(height - 1, (int) ((a + 0.5) * height / gy)), x = Math.min(width - 1, (int) ((b + 0.5) * width / gx));
                double[] ci = c[a * gx + b];
                for (int q = 0; q < k; q++) ci[q] = f[q][y * width + x];
                ci[k] = y;
                ci[k + 1] = x;
            }
        }
        double s = Math.max(step, 1), m2 = compactness * compactness / (s * s);
        int[] labels = new int[plane];
        double[] dist = new double[plane];
        for (int it = 0; it < iterations; it++) {
            java.util.Arrays.fill(dist, Double.POSITIVE_INFINITY);
            for (int j = 0; j < centres; j++) {
                double[] cj = c[j];
                int y0 = Math.max(0, (int) (cj[k] - 2 * s)), y1 = Math.min(height - 1, (int) Math.ceil(cj[k] + 2 * s));
                int x0 = Math.max(0, (int) (cj[k + 1] - 2 * s)), x1 = Math.min(width - 1, (int) Math.ceil(cj[k + 1] + 2 * s));
                for (int y = y0; y <= y1; y++) {
                    for (int x = x0; x <= x1; x++) {
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
        return connected(labels, height, width, Math.max(1, plane / centres / 4));
    }

    /** CIELAB (D65) planes of an RGB image, or the intensity of a one-channel one, from the model-space input. */
    static double[][] features(float[] chw, int channels, int plane, Preprocessing pre) {
        double[][] rgb = new double[channels][plane];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < plane; i++) {
                rgb[c][i] = Math.min(1, Math.max(0, chw[c * plane + i] * pre.std()[c] + pre.mean()[c]));
            }
        }
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
     * Connected components of the labelling (4-neighbourhood), renumbered in raster order; a component smaller than
     * {@code minSize} joins the component of the pixel before its first pixel (left, else above).
     */
    static Segments connected(int[] labels, int height, int width, int minSize) {
        int plane = height * width;
        int[] out = new int[plane];
        java.util.Arrays.fill(out, -1);
        int next = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        java.util.List<Integer> members = new java.util.ArrayList<>();
        for (int start = 0; start < plane; start++) {
            if (out[start] >= 0) continue;
            int adjacent = start % width > 0 ? out[start - 1] : start >= width ? out[start - width] : -1;
            members.clear();
            out[start] = next;
            queue.add(start);
            while (!queue.isEmpty()) {
                int i = queue.poll();
                members.add(i);
                int y = i / width, x = i % width;
                int[] nb = {x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, y > 0 ? i - width : -1, y < height - 1 ? i + width : -1};
                for (int j : nb) {
                    if (j >= 0 && out[j] < 0 && labels[j] == labels[start]) {
                        out[j] = next;
                        queue.add(j);
                    }
                }
            }
            if (members.size() < minSize && adjacent >= 0) {
                for (int i : members) out[i] = adjacent;
            } else {
                next++;
            }
        }
        return new Segments(out, next, height, width);
    }
}
