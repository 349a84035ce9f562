package io.noiselens.data;

import io.noiselens.random.KeyedRandom;

import java.util.List;

/**
 * The built-in dataset: RGB images of one object (disk, square, triangle, ring or cross) at a random position,
 * size, rotation and colour (always darker or lighter than the background), filled solid or striped, on a cluttered background (a colour gradient, thin line
 * segments, small dots and pixel noise). The class is told apart only by the object's shape; the ground-truth
 * mask marks the object's pixels. Image {@code i} of a split is a pure function of (seed, split, i).
 */
public final class SyntheticShapes {
    public static final List<String> CLASSES = List.of("disk", "square", "triangle", "ring", "cross");
    /** Bump when the generator changes, so cached models trained on the old images are not reused. */
    public static final int VERSION = 3;

    private final long seed;
    private final int size;

    public SyntheticShapes(long seed, int size) {
        if (size < 32) throw new IllegalArgumentException("Synthetic images need size ≥ 32, got " + size);
        this.seed = seed;
        this.size = size;
    }

    public int size() {
        return size;
    }

    /** Image {@code index} of {@code split} (e.g. "train", "test", "eval"); its id is "split-index". */
    public LabeledImage image(String split, long index) {
        String id = split + "-" + index;
        KeyedRandom.Stream r = new KeyedRandom.Stream(
                KeyedRandom.key(seed, KeyedRandom.Purpose.DATASET, KeyedRandom.hash(split), index));
        int label = (int) Math.floorMod(index, (long) CLASSES.size());
        int s = size, plane = s * s;
        float[] px = new float[3 * plane];
        boolean[] mask = new boolean[plane];

        float[] c0 = randomColour(r, 0.2, 0.8), c1 = randomColour(r, 0.2, 0.8);
        double angle = r.nextDouble(0, Math.PI);
        double gx = Math.cos(angle), gy = Math.sin(angle);
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                double t = 0.5 + 0.5 * ((x - s / 2.0) * gx + (y - s / 2.0) * gy) / (s * 0.71);
                for (int c = 0; c < 3; c++) px[c * plane + y * s + x] = (float) (c0[c] * (1 - t) + c1[c] * t);
            }
        }
        int lines = 3 + r.nextInt(4);
        for (int k = 0; k < lines; k++) {
            float[] col = randomColour(r, 0, 1);
            double x0 = r.nextDouble(0, s), y0 = r.nextDouble(0, s), len = r.nextDouble(s * 0.15, s * 0.5);
            double a = r.nextDouble(0, 2 * Math.PI);
            for (double u = 0; u < len; u += 0.5) {
                paint(px, s, (int) (x0 + u * Math.cos(a)), (int) (y0 + u * Math.sin(a)), col, 0.5f);
            }
        }
        int dots = 4 + r.nextInt(6);
        for (int k = 0; k < dots; k++) {
            float[] col = randomColour(r, 0, 1);
            int cx = r.nextInt(s), cy = r.nextInt(s), rad = 1 + r.nextInt(2);
            for (int dy = -rad; dy <= rad; dy++) {
                for (int dx = -rad; dx <= rad; dx++) if (dx * dx + dy * dy <= rad * rad) paint(px, s, cx + dx, cy + dy, col, 0.7f);
            }
        }

        double radius = r.nextDouble(s * 0.2, s * 0.3);
        double cx = r.nextDouble(radius + 1, s - radius - 1), cy = r.nextDouble(radius + 1, s - radius - 1);
        double rot = r.nextDouble(-0.5, 0.5), cos = Math.cos(rot), sin = Math.sin(rot);
        // The object always stands out from the background by luminance: dark on a light background, light on a
        // dark one, so every image is classifiable and the class is carried by shape alone.
        float[] fill = randomColour(r, 0, 1);
        boolean lightBackground = luminance(c0) + luminance(c1) > 1;
        for (int c = 0; c < 3; c++) fill[c] = lightBackground ? 0.3f * fill[c] : 0.7f + 0.3f * fill[c];
        boolean striped = r.nextUniform() < 0.5;
        double stripeAngle = r.nextDouble(0, Math.PI), period = r.nextDouble(3, 6);
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                double u = (dx * cos + dy * sin) / radius, v = (-dx * sin + dy * cos) / radius;
                if (!inside(label, u, v)) continue;
                mask[y * s + x] = true;
                boolean dark = striped && Math.floorMod((long) Math.floor(
                        (dx * Math.cos(stripeAngle) + dy * Math.sin(stripeAngle)) / period), 2L) == 1;
                for (int c = 0; c < 3; c++) px[c * plane + y * s + x] = dark ? fill[c] * 0.5f : fill[c];
            }
        }
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) Math.min(1, Math.max(0, px[i] + 0.04 * r.nextGaussian()));
        }
        return new LabeledImage(id, label, px, 3, s, s, mask);
    }

    /** Shape membership in the object's frame, unit radius. */
    static boolean inside(int label, double u, double v) {
        double d = Math.sqrt(u * u + v * v);
        return switch (label) {
            case 0 -> d <= 1;
            case 1 -> Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
            case 2 -> v <= 0.6 && Math.abs(u) <= 0.575 * (v + 1); // apex up, height 1.6, near equilateral
            case 3 -> d <= 1 && d >= 0.55;
            case 4 -> (Math.abs(u) <= 0.3 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 1);
            default -> throw new IllegalArgumentException("label " + label);
        };
    }

    private static double luminance(float[] c) {
        return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
    }

    private static float[] randomColour(KeyedRandom.Stream r, double lo, double hi) {
        return new float[]{(float) r.nextDouble(lo, hi), (float) r.nextDouble(lo, hi), (float) r.nextDouble(lo, hi)};
    }

    private static void paint(float[] px, int s, int x, int y, float[] col, float alpha) {
        if (x < 0 || y < 0 || x >= s || y >= s) return;
        int plane = s * s;
        for (int c = 0; c < 3; c++) {
            int i = c * plane + y * s + x;
            px[i] = px[i] * (1 - alpha) + col[c] * alpha;
        }
    }
}
