package io.noiselens.attribution;

/**
 * Quadrature rules for the path integral of Integrated Gradients, α_k and w_k on [0, 1] with Σ w_k = 1
 * (Captum's {@code approximation_methods}, METHODS.md §2.3).
 */
public enum Quadrature {
    /** α_k = k/n, k = 0..n−1, w_k = 1/n. */
    RIEMANN_LEFT,
    /** α_k = k/n, k = 1..n, w_k = 1/n. */
    RIEMANN_RIGHT,
    /** α_k = (k+½)/n, w_k = 1/n. */
    RIEMANN_MIDDLE,
    /** α_k = linspace(0, 1, n), w_k = 1/(n−1) halved at both ends (sums to 1). */
    RIEMANN_TRAPEZOID,
    /** α_k = ½(1+t_k), w_k = ½·(Gauss–Legendre weight), t_k the roots of P_n (Captum's default). */
    GAUSS_LEGENDRE;

    /** Returns {alphas, weights}, each of length n. */
    public double[][] rule(int n) {
        if (n < 1 || (this == RIEMANN_TRAPEZOID && n < 2)) {
            throw new IllegalArgumentException("Too few integration steps for " + this + ": " + n);
        }
        double[] a = new double[n], w = new double[n];
        switch (this) {
            case RIEMANN_LEFT -> { for (int k = 0; k < n; k++) { a[k] = (double) k / n; w[k] = 1.0 / n; } }
            case RIEMANN_RIGHT -> { for (int k = 0; k < n; k++) { a[k] = (double) (k + 1) / n; w[k] = 1.0 / n; } }
            case RIEMANN_MIDDLE -> { for (int k = 0; k < n; k++) { a[k] = (k + 0.5) / n; w[k] = 1.0 / n; } }
            case RIEMANN_TRAPEZOID -> {
                for (int k = 0; k < n; k++) {
                    a[k] = (double) k / (n - 1);
                    w[k] = (k == 0 || k == n - 1) ? 0.5 / (n - 1) : 1.0 / (n - 1);
                }
            }
            case GAUSS_LEGENDRE -> gaussLegendre(n, a, w);
        }
        return new double[][]{a, w};
    }

    /** Newton iteration on the Legendre recurrence (Numerical Recipes §4.6), mapped from [−1, 1] to [0, 1]. */
    private static void gaussLegendre(int n, double[] a, double[] w) {
        for (int i = 0; i < (n + 1) / 2; i++) {
            double z = Math.cos(Math.PI * (i + 0.75) / (n + 0.5)), pp;
            while (true) {
                double p1 = 1, p2 = 0;
                for (int j = 1; j <= n; j++) {
                    double p3 = p2;
                    p2 = p1;
                    p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
                }
                pp = n * (z * p1 - p2) / (z * z - 1);
                double z1 = z;
                z = z1 - p1 / pp;
                if (Math.abs(z - z1) < 1e-15) break;
            }
            double weight = 2 / ((1 - z * z) * pp * pp);
            a[i] = 0.5 * (1 - z);
            a[n - 1 - i] = 0.5 * (1 + z);
            w[i] = 0.5 * weight;
            w[n - 1 - i] = 0.5 * weight;
        }
    }
}
