package io.noiselens.metrics;

/**
 * Composite Simpson integration of equally spaced samples with dx = 1, as {@code scipy.integrate.simps} computes
 * it with its historical default {@code even='avg'} (the SciPy the SmoothTaylor code ran on): for an even number
 * of samples, the mean of (Simpson on the first n−1 samples + trapezoid on the last interval) and (trapezoid on
 * the first interval + Simpson on the last n−1 samples). Used by AUPC and AUTVC (METHODS.md §5.3–5.4).
 */
public final class Simpson {
    private Simpson() {}

    public static double integrate(double[] y) {
        int n = y.length;
        if (n < 2) return 0;
        if (n % 2 == 1) return odd(y, 0, n);
        double first = odd(y, 0, n - 1) + 0.5 * (y[n - 2] + y[n - 1]);
        double last = 0.5 * (y[0] + y[1]) + odd(y, 1, n);
        return 0.5 * (first + last);
    }

    /** Simpson's rule on y[from, to) with an odd number of samples (1 sample integrates to 0). */
    private static double odd(double[] y, int from, int to) {
        double s = 0;
        for (int k = from; k + 2 < to; k += 2) s += y[k] + 4 * y[k + 1] + y[k + 2];
        return s / 3;
    }
}
