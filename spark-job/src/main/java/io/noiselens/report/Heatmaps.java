package io.noiselens.report;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * Heat maps as Captum's {@code visualize_image_attr} draws them (METHODS.md §12): the channels summed, a sign filter
 * (all, positive, negative, absolute), values divided by the cumulative-sum threshold of |a| that leaves out the top
 * {@code outlierPercent} of the mass (Captum's {@code outlier_perc}, default 2) and clipped to [−1, 1], then
 * coloured — red–white–green for signed maps, greens, reds or blues for the filtered ones — as a PNG data URI.
 */
final class Heatmaps {
    enum Sign {
        ALL, POSITIVE, NEGATIVE, ABSOLUTE;

        /** The sign of a {@code report.gallery.signs} entry. */
        static Sign of(String key) {
            return valueOf(key.toUpperCase(Locale.ROOT));
        }
    }

    /** Captum's default share of the attribution mass left out of the colour scale. */
    static final double OUTLIER_PERCENT = 2;

    private Heatmaps() {}

    /** The map's H×W values after the channel sum and the sign filter. */
    static double[] filtered(float[] map, int channels, int plane, Sign sign) {
        double[] v = new double[plane];
        for (int c = 0; c < channels; c++) for (int p = 0; p < plane; p++) v[p] += map[c * plane + p];
        for (int p = 0; p < plane; p++) {
            v[p] = switch (sign) {
                case ALL -> v[p];
                case POSITIVE -> Math.max(0, v[p]);
                case NEGATIVE -> Math.max(0, -v[p]);
                case ABSOLUTE -> Math.abs(v[p]);
            };
        }
        return v;
    }

    /**
     * Captum's {@code _cumulative_sum_threshold}: the smallest |value| at which the sorted cumulative sum of |values|
     * reaches (100 − outlierPercent) % of their total.
     */
    static double threshold(double[] v, double outlierPercent) {
        double[] a = new double[v.length];
        for (int i = 0; i < v.length; i++) a[i] = Math.abs(v[i]);
        Arrays.sort(a);
        double total = 0;
        for (double x : a) total += x;
        double target = total * (100 - outlierPercent) / 100, sum = 0;
        for (double x : a) {
            sum += x;
            if (sum >= target) return x;
        }
        return a.length == 0 ? 0 : a[a.length - 1];
    }

    /** The coloured H×W image of a map. */
    static BufferedImage render(float[] map, int channels, int height, int width, Sign sign, double outlierPercent) {
        double[] v = filtered(map, channels, height * width, sign);
        double t = threshold(v, outlierPercent);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < v.length; p++) {
            double x = t > 0 ? Math.max(-1, Math.min(1, v[p] / t)) : 0;
            img.setRGB(p % width, p / width, colour(x, sign));
        }
        return img;
    }

    /** Red–white–green for signed values in [−1, 1]; white to green, red or blue for filtered values in [0, 1]. */
    static int colour(double x, Sign sign) {
        int target = switch (sign) {
            case ALL -> x < 0 ? 0xC0392B : 0x1E8449;
            case POSITIVE -> 0x1E8449;
            case NEGATIVE -> 0xC0392B;
            case ABSOLUTE -> 0x1F4E9A;
        };
        double f = Math.abs(x);
        int r = mix(0xFF, (target >> 16) & 0xFF, f), g = mix(0xFF, (target >> 8) & 0xFF, f), b = mix(0xFF, target & 0xFF, f);
        return (r << 16) | (g << 8) | b;
    }

    private static int mix(int from, int to, double f) {
        return (int) Math.round(from + (to - from) * f);
    }

    /** Captum's {@code alpha_overlay}: the heat map's weight over the greyscale input in a blended view. */
    static final double OVERLAY_ALPHA = 0.5;
    /** The colour of an object mask's outline (apart from every colour scale). */
    static final int OUTLINE = 0xD100D1;

    /** Captum's {@code original_image}: C×H×W pixels in [0, 1] as RGB (one channel as grey). */
    static BufferedImage original(float[] pixels, int channels, int height, int width) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int plane = height * width;
        for (int p = 0; p < plane; p++) {
            int r = byteOf(pixels[p]), g = channels >= 3 ? byteOf(pixels[plane + p]) : r, b = channels >= 3 ? byteOf(pixels[2 * plane + p]) : r;
            img.setRGB(p % width, p / width, (r << 16) | (g << 8) | b);
        }
        return img;
    }

    /**
     * Captum's {@code blended_heat_map}: the input's channel mean drawn in grey (scaled to its own range, as
     * matplotlib's {@code imshow} does) under the drawn heat map {@code heat} at {@link #OVERLAY_ALPHA}.
     */
    static BufferedImage blended(BufferedImage heat, float[] pixels, int pixelChannels) {
        int width = heat.getWidth(), height = heat.getHeight(), plane = height * width;
        double[] grey = new double[plane];
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < pixelChannels; c++) grey[p] += pixels[c * plane + p] / (double) pixelChannels;
            lo = Math.min(lo, grey[p]);
            hi = Math.max(hi, grey[p]);
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < plane; p++) {
            double g = hi > lo ? (grey[p] - lo) / (hi - lo) * 255 : 0;
            int h = heat.getRGB(p % width, p / width);
            int r = blend((h >> 16) & 0xFF, g), gr = blend((h >> 8) & 0xFF, g), b = blend(h & 0xFF, g);
            img.setRGB(p % width, p / width, (r << 16) | (gr << 8) | b);
        }
        return img;
    }

    /** A copy of {@code img} with the outline of {@code mask} (its pixels with a 4-neighbour outside it) drawn on it. */
    static BufferedImage outline(BufferedImage source, boolean[] mask) {
        int w = source.getWidth(), h = source.getHeight();
        if (mask == null || mask.length != w * h) return source;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setData(source.getData());
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!mask[y * w + x]) continue;
                boolean edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 || !mask[y * w + x - 1] || !mask[y * w + x + 1]
                        || !mask[(y - 1) * w + x] || !mask[(y + 1) * w + x];
                if (edge) img.setRGB(x, y, OUTLINE);
            }
        }
        return img;
    }

    private static int blend(int heat, double grey) {
        return (int) Math.round(OVERLAY_ALPHA * heat + (1 - OVERLAY_ALPHA) * grey);
    }

    private static int byteOf(float v) {
        return (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
    }

    static String dataUri(BufferedImage img) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(img, "png", out);
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
