package io.noiselens.metrics.faithfulness;

import io.noiselens.noise.KeyedRandom;

/**
 * ROAD's noisy linear imputation (Rong, Leemann, Borisov, Kasneci, Kasneci, "A Consistent and Efficient Evaluation
 * Strategy for Attribution Methods", ICML 2022; reference {@code NoisyLinearImputer}): every removed pixel takes
 * the weighted mean of its in-image 8-neighbours (1/6 edge-adjacent, 1/12 diagonal), removed neighbours being
 * unknowns too, so all removed pixels are solved jointly:
 * (Σ_{n valid} w_n)·x_p − Σ_{n removed} w_n·x_n = Σ_{n kept} w_n·x_n. Then N(0, noise²) is added to each imputed
 * value. The system is symmetric positive definite whenever at least one pixel is kept, and is solved by
 * Jacobi-preconditioned conjugate gradients, matrix-free. Pixels are removed with all their channels and every
 * channel is solved with the same matrix (Quantus 0.6.0 indexes a per-channel grid with C·H·W ranks and fails on
 * RGB, METHODS.md §8.1).
 */
public final class NoisyLinearImputation {
    private static final int[] DY = {-1, -1, -1, 0, 0, 1, 1, 1};
    private static final int[] DX = {-1, 0, 1, -1, 1, -1, 0, 1};
    private static final double[] WEIGHT = {1 / 12.0, 1 / 6.0, 1 / 12.0, 1 / 6.0, 1 / 6.0, 1 / 12.0, 1 / 6.0, 1 / 12.0};

    private final int channels;
    private final int height;
    private final int width;
    private final double noise;

    public NoisyLinearImputation(int channels, int height, int width, double noise) {
        if (!(noise >= 0)) throw new IllegalArgumentException("ROAD noise must be ≥ 0, got " + noise);
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.noise = noise;
    }

    /**
     * Writes x (C×H×W) with the pixels {@code removed[0..count)} imputed into {@code out} at {@code offset}; the
     * noise is drawn from the stream {@code noiseKey}.
     */
    public void impute(float[] x, int[] removed, int count, long noiseKey, float[] out, int offset) {
        int plane = height * width;
        System.arraycopy(x, 0, out, offset, x.length);
        if (count == 0) return;
        if (count >= plane) throw new IllegalArgumentException("ROAD cannot impute an image with every pixel removed");
        int[] var = new int[plane];
        java.util.Arrays.fill(var, -1);
        for (int k = 0; k < count; k++) var[removed[k]] = k;
        double[] diag = new double[count];
        for (int k = 0; k < count; k++) {
            int p = removed[k], y = p / width, xx = p % width;
            for (int n = 0; n < 8; n++) {
                int ny = y + DY[n], nx = xx + DX[n];
                if (ny >= 0 && ny < height && nx >= 0 && nx < width) diag[k] += WEIGHT[n];
            }
        }
        double[] b = new double[count], sol = new double[count];
        for (int c = 0; c < channels; c++) {
            int o = c * plane;
            for (int k = 0; k < count; k++) {
                int p = removed[k], y = p / width, xx = p % width;
                double s = 0;
                for (int n = 0; n < 8; n++) {
                    int ny = y + DY[n], nx = xx + DX[n];
                    if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
                    int q = ny * width + nx;
                    if (var[q] < 0) s += WEIGHT[n] * x[o + q];
                }
                b[k] = s;
                sol[k] = 0;
            }
            conjugateGradient(removed, count, var, diag, b, sol);
            for (int k = 0; k < count; k++) {
                double eps = noise == 0 ? 0 : noise * KeyedRandom.gaussian(noiseKey, (long) c * plane + removed[k]);
                out[offset + o + removed[k]] = (float) (sol[k] + eps);
            }
        }
    }

    /** A·v for the imputation matrix: diag·v_p − Σ_{removed neighbours} w·v_n. */
    private void apply(int[] removed, int count, int[] var, double[] diag, double[] v, double[] out) {
        for (int k = 0; k < count; k++) {
            int p = removed[k], y = p / width, xx = p % width;
            double s = diag[k] * v[k];
            for (int n = 0; n < 8; n++) {
                int ny = y + DY[n], nx = xx + DX[n];
                if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
                int j = var[ny * width + nx];
                if (j >= 0) s -= WEIGHT[n] * v[j];
            }
            out[k] = s;
        }
    }

    private void conjugateGradient(int[] removed, int count, int[] var, double[] diag, double[] b, double[] x) {
        double[] r = new double[count], z = new double[count], p = new double[count], ap = new double[count];
        apply(removed, count, var, diag, x, ap);
        double bNorm = 0;
        for (int k = 0; k < count; k++) {
            r[k] = b[k] - ap[k];
            z[k] = r[k] / diag[k];
            p[k] = z[k];
            bNorm += b[k] * b[k];
        }
        double tol = 1e-20 * Math.max(bNorm, 1e-300), rz = dot(r, z, count);
        for (int it = 0; it < 10 * count + 100 && dot(r, r, count) > tol; it++) {
            apply(removed, count, var, diag, p, ap);
            double alpha = rz / dot(p, ap, count);
            for (int k = 0; k < count; k++) {
                x[k] += alpha * p[k];
                r[k] -= alpha * ap[k];
                z[k] = r[k] / diag[k];
            }
            double rzNext = dot(r, z, count);
            double beta = rzNext / rz;
            rz = rzNext;
            for (int k = 0; k < count; k++) p[k] = z[k] + beta * p[k];
        }
    }

    private static double dot(double[] a, double[] b, int n) {
        double s = 0;
        for (int k = 0; k < n; k++) s += a[k] * b[k];
        return s;
    }
}
