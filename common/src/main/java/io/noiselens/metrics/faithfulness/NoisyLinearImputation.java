package io.noiselens.metrics.faithfulness;

import io.noiselens.random.KeyedRandom;

/**
 * ROAD's noisy linear imputation (Rong, Leemann, Borisov, Kasneci, Kasneci, "A Consistent and Efficient Evaluation
 * Strategy for Attribution Methods", ICML 2022; reference {@code NoisyLinearImputer}): every removed pixel takes
 * the weighted mean of its in-image 8-neighbours (1/6 edge-adjacent, 1/12 diagonal), removed neighbours being
 * unknowns too, so all removed pixels are solved jointly:
 * (Σ_{n valid} w_n)·x_p − Σ_{n removed} w_n·x_n = Σ_{n kept} w_n·x_n. Then N(0, noise²) is added to each imputed
 * value. The system is symmetric positive definite whenever at least one pixel is kept, and is solved by
 * multigrid-preconditioned conjugate gradients ({@link GridSystem}). Pixels are removed with all their channels and every channel is solved with the same matrix
 * (Quantus 0.6.0 indexes a per-channel grid with C·H·W ranks and fails on RGB, METHODS.md §8.1).
 */
public final class NoisyLinearImputation {
    private static final int[] DY = GridSystem.DY;
    private static final int[] DX = GridSystem.DX;
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
        int[] var = new int[plane];
        java.util.Arrays.fill(var, -1);
        for (int k = 0; k < count; k++) var[removed[k]] = k;
        int[] cy = new int[count], cx = new int[count], neighbour = new int[8 * count];
        double[] diag = new double[count], coupling = new double[8 * count], b = new double[channels * count];
        java.util.Arrays.fill(neighbour, -1);
        for (int k = 0; k < count; k++) {
            int p = removed[k], y = p / width, xx = p % width;
            cy[k] = y;
            cx[k] = xx;
            for (int n = 0; n < 8; n++) {
                int ny = y + DY[n], nx = xx + DX[n];
                if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
                int q = ny * width + nx;
                diag[k] += WEIGHT[n];
                if (var[q] >= 0) {
                    neighbour[k * 8 + n] = var[q];
                    coupling[k * 8 + n] = -WEIGHT[n];
                } else {
                    for (int c = 0; c < channels; c++) b[c * count + k] += WEIGHT[n] * x[c * plane + q];
                }
            }
        }
        GridSystem system = new GridSystem(count, height, width, cy, cx, diag, neighbour, coupling);
        double[] rhs = new double[count], u = new double[count];
        for (int c = 0; c < channels; c++) {
            int o = c * plane;
            System.arraycopy(b, c * count, rhs, 0, count);
            // Start from the kept neighbours' weighted mean, which already fills isolated pixels exactly.
            for (int k = 0; k < count; k++) u[k] = rhs[k] / diag[k];
            system.solve(rhs, u, TOLERANCE);
            for (int k = 0; k < count; k++) {
                double eps = noise == 0 ? 0 : noise * KeyedRandom.gaussian(noiseKey, (long) o + removed[k]);
                out[offset + o + removed[k]] = (float) (u[k] + eps);
            }
        }
    }
}
