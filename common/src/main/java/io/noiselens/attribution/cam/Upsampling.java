package io.noiselens.attribution.cam;

/**
 * How a layer's h×w map is resized to the input's H×W, with PyTorch's {@code F.interpolate} semantics (what Captum's
 * {@code LayerAttribution.interpolate} calls): BILINEAR with {@code align_corners=False} — half-pixel centres,
 * src = max(0, (dst + ½)·h/H − ½), neighbours ⌊src⌋ and min(⌊src⌋ + 1, h − 1) — and NEAREST, src = min(⌊dst·h/H⌋, h − 1),
 * Captum's default.
 */
public enum Upsampling {
    BILINEAR, NEAREST;

    /** The h×w {@code map} resized to H×W. */
    public float[] apply(float[] map, int h, int w, int outH, int outW) {
        float[] out = new float[outH * outW];
        int[] y0 = new int[outH], y1 = new int[outH], x0 = new int[outW], x1 = new int[outW];
        double[] fy = new double[outH], fx = new double[outW];
        axis(h, outH, y0, y1, fy);
        axis(w, outW, x0, x1, fx);
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                double top = map[y0[y] * w + x0[x]] * (1 - fx[x]) + map[y0[y] * w + x1[x]] * fx[x];
                double bottom = map[y1[y] * w + x0[x]] * (1 - fx[x]) + map[y1[y] * w + x1[x]] * fx[x];
                out[y * outW + x] = (float) (top * (1 - fy[y]) + bottom * fy[y]);
            }
        }
        return out;
    }

    /** Per output index: the two source indices and the weight of the second. */
    private void axis(int in, int out, int[] i0, int[] i1, double[] frac) {
        double scale = (double) in / out;
        for (int d = 0; d < out; d++) {
            if (this == NEAREST) {
                i0[d] = i1[d] = Math.min((int) Math.floor(d * scale), in - 1);
                continue;
            }
            double src = Math.max(0, (d + 0.5) * scale - 0.5);
            i0[d] = Math.min((int) Math.floor(src), in - 1);
            i1[d] = Math.min(i0[d] + 1, in - 1);
            frac[d] = src - i0[d];
        }
    }
}
