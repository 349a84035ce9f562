package io.noiselens.metrics;

import org.apache.commons.math3.stat.descriptive.rank.Percentile;

import io.noiselens.random.KeyedRandom;

import java.util.Arrays;

/**
 * Summary of one metric's values over images: n, mean, sample standard deviation, median, and a 95 % percentile
 * bootstrap interval of the mean (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, §13.3) whose
 * resamples come from a keyed stream, so the interval is reproducible.
 */
public record SummaryStatistics(long n, double mean, double stddev, double ci95Low, double ci95High, double median) {

    /** Summarises the finite {@code values}; NaN statistics when there are none. */
    public static SummaryStatistics of(double[] values, int bootstrapSamples, long key) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        int n = v.length;
        if (n == 0) return new SummaryStatistics(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        double mean = 0;
        for (double x : v) mean += x;
        mean /= n;
        double ss = 0;
        for (double x : v) ss += (x - mean) * (x - mean);
        double sd = n > 1 ? Math.sqrt(ss / (n - 1)) : Double.NaN;
        double median = quantile(v, 0.5);
        double[] means = new double[bootstrapSamples];
        long draw = 0;
        for (int b = 0; b < bootstrapSamples; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += v[(int) (KeyedRandom.uniform(key, draw++) * n)];
            means[b] = s / n;
        }
        return new SummaryStatistics(n, mean, sd, quantile(means, 0.025), quantile(means, 0.975), median);
    }

    /** The q-quantile (0 ≤ q ≤ 1) by linear interpolation, type 7 (the R and NumPy default; commons-math3's R_7). */
    public static double quantile(double[] values, double q) {
        return new Percentile().withEstimationType(Percentile.EstimationType.R_7).evaluate(values, 100 * q);
    }
}
