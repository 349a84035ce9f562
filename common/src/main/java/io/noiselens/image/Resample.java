package io.noiselens.image;

/**
 * Bilinear resampling exactly as PIL computes it ({@code Image.resize(size, BILINEAR)}, Pillow's
 * {@code ImagingResample}), which is what torchvision's {@code Resize} does to PIL images: separable, horizontal
 * pass first; the triangle filter is widened by the scale factor when downscaling, so shrinking averages every
 * source pixel instead of sampling (antialiasing); pixel centres at +0.5.
 */
public final class Resample {
    private Resample() {}

    /** Resizes a C×H×W array to C×nh×nw. */
    public static float[] bilinear(float[] src, int c, int h, int w, int nh, int nw) {
        if (h == nh && w == nw) return src;
        float[] tmp = src;
        if (nw != w) {
            Kernel k = new Kernel(w, nw);
            tmp = new float[c * h * nw];
            for (int p = 0; p < c * h; p++) k.apply(src, p * w, 1, tmp, p * nw, 1);
        }
        if (nh == h) return tmp;
        Kernel k = new Kernel(h, nh);
        float[] out = new float[c * nh * nw];
        for (int ch = 0; ch < c; ch++) {
            for (int x = 0; x < nw; x++) k.apply(tmp, ch * h * nw + x, nw, out, ch * nh * nw + x, nw);
        }
        return out;
    }

    /** Pillow's precomputed coefficients for one axis (precompute_coeffs with the bilinear filter, support 1). */
    private static final class Kernel {
        final int[] start, size;
        final double[][] weights;

        Kernel(int in, int out) {
            double scale = (double) in / out, filterScale = Math.max(scale, 1.0), support = filterScale;
            start = new int[out];
            size = new int[out];
            weights = new double[out][];
            for (int o = 0; o < out; o++) {
                double center = (o + 0.5) * scale;
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), in);
                double[] k = new double[Math.max(hi - lo, 0)];
                double sum = 0;
                for (int i = 0; i < k.length; i++) {
                    double t = Math.abs((i + lo - center + 0.5) / filterScale);
                    k[i] = t < 1 ? 1 - t : 0;
                    sum += k[i];
                }
                if (sum != 0) for (int i = 0; i < k.length; i++) k[i] /= sum;
                start[o] = lo;
                size[o] = k.length;
                weights[o] = k;
            }
        }

        void apply(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
            for (int o = 0; o < start.length; o++) {
                double acc = 0;
                double[] k = weights[o];
                for (int i = 0; i < size[o]; i++) acc += k[i] * src[srcOff + (start[o] + i) * srcStride];
                dst[dstOff + o * dstStride] = (float) acc;
            }
        }
    }
}
