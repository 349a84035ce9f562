package io.noiselens.metrics.faithfulness;

import io.noiselens.model.ModelSpec;

/**
 * Square blocks of {@code size} pixels on an H×W grid, in raster order (blocks at the right and bottom edges partial),
 * the features of Quantus's patch-based metrics (Selectivity, Infidelity, Faithfulness Estimate, Monotonicity
 * Correlation, Non-Sensitivity).
 */
public record Blocks(int size, int rows, int cols, int height, int width) {
    public static Blocks of(ModelSpec spec, int size) {
        int s = Math.min(size, Math.max(spec.height(), spec.width()));
        return new Blocks(s, (spec.height() + s - 1) / s, (spec.width() + s - 1) / s, spec.height(), spec.width());
    }

    public int count() {
        return rows * cols;
    }

    /** The pixels (y·W + x) of block b. */
    public int[] pixels(int b) {
        int y0 = b / cols * size, x0 = b % cols * size;
        int h = Math.min(size, height - y0), w = Math.min(size, width - x0);
        int[] out = new int[h * w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) out[y * w + x] = (y0 + y) * width + x0 + x;
        return out;
    }

    /** Σ of {@code heat} over each block. */
    public double[] sums(float[] heat) {
        double[] s = new double[count()];
        for (int b = 0; b < s.length; b++) for (int p : pixels(b)) s[b] += heat[p];
        return s;
    }

    /** The pixels of the blocks in {@code blockOrder}, concatenated, and the cumulative counts after each block. */
    int[][] flatten(int[] blockOrder) {
        int[] order = new int[height * width], bounds = new int[blockOrder.length];
        int n = 0;
        for (int k = 0; k < blockOrder.length; k++) {
            for (int p : pixels(blockOrder[k])) order[n++] = p;
            bounds[k] = n;
        }
        return new int[][]{order, bounds};
    }
}
