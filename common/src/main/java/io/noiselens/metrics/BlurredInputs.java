package io.noiselens.metrics;

/**
 * Every item's input blurred per channel by a {@code size}×{@code size} Gaussian of standard deviation
 * {@code sigma} with zero padding (separable, rows then columns). {@link #RISE}, 11×11 with σ = 5, is the insertion
 * substrate of Petsiuk et al. 2018.
 */
public record BlurredInputs(int size, double sigma) implements Statistic<float[][]> {
    public static final BlurredInputs RISE = new BlurredInputs(11, 5);

    @Override
    public float[][] compute(MetricContext ctx) {
        float[][] out = new float[ctx.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = blur(ctx.item(i).input(), ctx.spec().channels(), ctx.spec().height(), ctx.spec().width(), size, sigma);
        }
        return out;
    }

    static float[] blur(float[] x, int channels, int h, int w, int size, double sigma) {
        int r = size / 2;
        double[] k = new double[size];
        double norm = 0;
        for (int j = 0; j < size; j++) norm += (k[j] = Math.exp(-((j - r) * (j - r)) / (2 * sigma * sigma)));
        for (int j = 0; j < size; j++) k[j] /= norm;
        float[] tmp = new float[x.length], out = new float[x.length];
        int plane = h * w;
        for (int c = 0; c < channels; c++) {
            int o = c * plane;
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    double s = 0;
                    for (int j = -r; j <= r; j++) {
                        int q = xx + j;
                        if (q >= 0 && q < w) s += k[j + r] * x[o + y * w + q];
                    }
                    tmp[o + y * w + xx] = (float) s;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    double s = 0;
                    for (int j = -r; j <= r; j++) {
                        int q = y + j;
                        if (q >= 0 && q < h) s += k[j + r] * tmp[o + q * w + xx];
                    }
                    out[o + y * w + xx] = (float) s;
                }
            }
        }
        return out;
    }
}
