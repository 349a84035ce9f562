package io.noiselens.attribution.perturbation;

/**
 * A partition of an H×W image into {@code count} segments, the interpretable features of KernelSHAP and LIME (Captum's
 * {@code feature_mask}): {@code labels[y·W + x]} is the segment of a pixel, 0 … count − 1, shared by all channels.
 */
public record Segments(int[] labels, int count, int height, int width) {
    /**
     * g×g blocks of ⌈H/g⌉×⌈W/g⌉ pixels, ids in row-major order from 0 (METHODS-2.md §A.4); blocks at the right and
     * bottom edges are partial, and a grid finer than the image has one block per pixel.
     */
    public static Segments grid(int g, int height, int width) {
        int bh = (height + g - 1) / g, bw = (width + g - 1) / g;
        int rows = (height + bh - 1) / bh, cols = (width + bw - 1) / bw;
        int[] labels = new int[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) labels[y * width + x] = (y / bh) * cols + x / bw;
        }
        return new Segments(labels, rows * cols, height, width);
    }

    /** Pixels per segment. */
    public int[] sizes() {
        int[] n = new int[count];
        for (int l : labels) n[l]++;
        return n;
    }

    /**
     * The model input of coalition {@code on} (segment j present where on[j]): z on present segments, the baseline
     * elsewhere, for every channel of a C×H×W input, written at {@code offset}.
     */
    public void compose(float[] z, float[] baseline, boolean[] on, float[] out, int offset) {
        int plane = height * width, channels = z.length / plane;
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < plane; i++) {
                int e = c * plane + i;
                out[offset + e] = on[labels[i]] ? z[e] : baseline[e];
            }
        }
    }

    /** Segment values φ painted on their pixels, the same in every channel (Captum's {@code return_input_shape}). */
    public void paint(double[] phi, float[] out) {
        int plane = height * width;
        for (int e = 0; e < out.length; e++) out[e] = (float) phi[labels[e % plane]];
    }
}
