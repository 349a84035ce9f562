package io.noiselens.metrics.faithfulness;

import io.noiselens.noise.KeyedRandom;

/**
 * ROAD's noisy linear imputation (Rong, Leemann, Borisov, Kasneci, Kasneci, "A Consistent and Efficient Evaluation
 * Strategy for Attribution Methods", ICML 2022; reference {@code NoisyLinearImputer}): every removed pixel takes
 * the weighted mean of its in-image 8-neighbours (1/6 edge-adjacent, 1/12 diagonal), removed neighbours being
 * unknowns too, so all removed pixels are solved jointly:
 * (Σ_{n valid} w_n)·x_p − Σ_{n removed} w_n·x_n = Σ_{n kept} w_n·x_n. Then N(0, noise²) is added to each imputed
 * value. The system is symmetric positive definite whenever at least one pixel is kept, and is solved by
 * Jacobi-preconditioned conjugate gradients (sparse rows) started from a coarse-grid solution (see
 * {@link #solve}). Pixels are removed with all their channels and every channel is solved with the same matrix
 * (Quantus 0.6.0 indexes a per-channel grid with C·H·W ranks and fails on RGB, METHODS.md §8.1).
 */
public final class NoisyLinearImputation {
    private static final int[] DY = {-1, -1, -1, 0, 0, 1, 1, 1};
    private static final int[] DX = {-1, 0, 1, -1, 1, -1, 0, 1};
    private static final double[] WEIGHT = {1 / 12.0, 1 / 6.0, 1 / 12.0, 1 / 6.0, 1 / 6.0, 1 / 12.0, 1 / 6.0, 1 / 12.0};

    /** Relative residual at which CG stops: far below the imputation noise (0.01) on unit-scale images. */
    private static final double TOLERANCE = 1e-6;

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
        boolean[] unknown = new boolean[plane];
        for (int k = 0; k < count; k++) unknown[removed[k]] = true;
        double[] img = new double[x.length];
        for (int k = 0; k < x.length; k++) img[k] = x[k];
        solve(img, unknown, channels, height, width);
        for (int c = 0; c < channels; c++) {
            int o = c * plane;
            for (int k = 0; k < count; k++) {
                double eps = noise == 0 ? 0 : noise * KeyedRandom.gaussian(noiseKey, (long) o + removed[k]);
                out[offset + o + removed[k]] = (float) (img[o + removed[k]] + eps);
            }
        }
    }

    /**
     * Fills the unknown pixels of img (C×h×w, in place) with the solution of the imputation system. The initial
     * guess comes from the same problem on a grid coarsened 2×2 (a coarse pixel is known, with the mean of its known
     * fine pixels, if any of them is known), interpolated bilinearly: cascadic multigrid, so CG only removes the
     * fine-scale error, and large holes (a MoRF removal grows one) need tens of iterations rather than thousands.
     */
    private static void solve(double[] img, boolean[] unknown, int channels, int h, int w) {
        int plane = h * w, count = 0;
        int[] var = new int[plane];
        for (int p = 0; p < plane; p++) var[p] = unknown[p] ? count++ : -1;
        if (count == 0) return;
        int[] removed = new int[count];
        for (int p = 0; p < plane; p++) if (var[p] >= 0) removed[var[p]] = p;
        // The matrix in CSR form over the unknowns (off-diagonal −w), and b = Σ w·x over kept neighbours per channel.
        int[] start = new int[count + 1], col = new int[8 * count];
        double[] val = new double[8 * count], diag = new double[count], b = new double[channels * count];
        int nnz = 0;
        for (int k = 0; k < count; k++) {
            int p = removed[k], y = p / w, xx = p % w;
            start[k] = nnz;
            for (int n = 0; n < 8; n++) {
                int ny = y + DY[n], nx = xx + DX[n];
                if (ny < 0 || ny >= h || nx < 0 || nx >= w) continue;
                int q = ny * w + nx;
                diag[k] += WEIGHT[n];
                if (var[q] >= 0) {
                    col[nnz] = var[q];
                    val[nnz++] = WEIGHT[n];
                } else {
                    for (int c = 0; c < channels; c++) b[c * count + k] += WEIGHT[n] * img[c * plane + q];
                }
            }
        }
        start[count] = nnz;
        double[] sol = new double[channels * count];
        double[] coarse = h >= 8 && w >= 8 && count >= 64 ? coarseGuess(img, unknown, channels, h, w) : null;
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < count; k++) {
                sol[c * count + k] = coarse != null ? coarse[c * plane + removed[k]] : b[c * count + k] / diag[k];
            }
            conjugateGradient(count, start, col, val, diag, b, c * count, sol);
            for (int k = 0; k < count; k++) img[c * plane + removed[k]] = sol[c * count + k];
        }
    }

    /** The problem solved on a 2×2-coarsened grid, interpolated back bilinearly (half-pixel centres). */
    private static double[] coarseGuess(double[] img, boolean[] unknown, int channels, int h, int w) {
        int hc = (h + 1) / 2, wc = (w + 1) / 2, plane = h * w, cplane = hc * wc;
        double[] cimg = new double[channels * cplane];
        boolean[] cunknown = new boolean[cplane];
        int known = 0;
        for (int y = 0; y < hc; y++) {
            for (int x = 0; x < wc; x++) {
                int n = 0;
                for (int dy = 0; dy < 2; dy++) {
                    for (int dx = 0; dx < 2; dx++) {
                        int fy = 2 * y + dy, fx = 2 * x + dx;
                        if (fy >= h || fx >= w || unknown[fy * w + fx]) continue;
                        n++;
                        for (int c = 0; c < channels; c++) cimg[c * cplane + y * wc + x] += img[c * plane + fy * w + fx];
                    }
                }
                cunknown[y * wc + x] = n == 0;
                if (n > 0) {
                    known++;
                    for (int c = 0; c < channels; c++) cimg[c * cplane + y * wc + x] /= n;
                }
            }
        }
        if (known == 0) return null;
        solve(cimg, cunknown, channels, hc, wc);
        double[] out = new double[channels * plane];
        for (int y = 0; y < h; y++) {
            double fy = Math.min(hc - 1, Math.max(0, (y + 0.5) / 2 - 0.5));
            int y0 = (int) fy, y1 = Math.min(hc - 1, y0 + 1);
            double ty = fy - y0;
            for (int x = 0; x < w; x++) {
                double fx = Math.min(wc - 1, Math.max(0, (x + 0.5) / 2 - 0.5));
                int x0 = (int) fx, x1 = Math.min(wc - 1, x0 + 1);
                double tx = fx - x0;
                for (int c = 0; c < channels; c++) {
                    int o = c * cplane;
                    out[c * plane + y * w + x] = (1 - ty) * ((1 - tx) * cimg[o + y0 * wc + x0] + tx * cimg[o + y0 * wc + x1])
                            + ty * ((1 - tx) * cimg[o + y1 * wc + x0] + tx * cimg[o + y1 * wc + x1]);
                }
            }
        }
        return out;
    }

    /**
     * Jacobi-preconditioned CG on rows [0, n) of the system, right-hand side and solution (holding the initial
     * guess) at {@code at}.
     */
    private static void conjugateGradient(int n, int[] start, int[] col, double[] val, double[] diag, double[] b, int at,
                                          double[] x) {
        double[] r = new double[n], z = new double[n], p = new double[n], ap = new double[n];
        double bNorm = 0;
        for (int k = 0; k < n; k++) bNorm += b[at + k] * b[at + k];
        multiply(n, start, col, val, diag, x, at, ap);
        for (int k = 0; k < n; k++) {
            r[k] = b[at + k] - ap[k];
            z[k] = r[k] / diag[k];
            p[k] = z[k];
        }
        double tol = TOLERANCE * TOLERANCE * Math.max(bNorm, 1e-300), rz = dot(r, z, n);
        for (int it = 0; it < 10 * n + 100 && dot(r, r, n) > tol; it++) {
            multiply(n, start, col, val, diag, p, 0, ap);
            double alpha = rz / dot(p, ap, n);
            for (int k = 0; k < n; k++) {
                x[at + k] += alpha * p[k];
                r[k] -= alpha * ap[k];
                z[k] = r[k] / diag[k];
            }
            double rzNext = dot(r, z, n), beta = rzNext / rz;
            rz = rzNext;
            for (int k = 0; k < n; k++) p[k] = z[k] + beta * p[k];
        }
    }

    /** out = A·v[at, at + n): diag·v_k − Σ w·v_j over the removed neighbours j. */
    private static void multiply(int n, int[] start, int[] col, double[] val, double[] diag, double[] v, int at, double[] out) {
        for (int k = 0; k < n; k++) {
            double s = diag[k] * v[at + k];
            for (int e = start[k]; e < start[k + 1]; e++) s -= val[e] * v[at + col[e]];
            out[k] = s;
        }
    }

    private static double dot(double[] a, double[] b, int n) {
        double s = 0;
        for (int k = 0; k < n; k++) s += a[k] * b[k];
        return s;
    }
}
