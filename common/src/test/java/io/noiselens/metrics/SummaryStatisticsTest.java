package io.noiselens.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SummaryStatisticsTest {
    @Test
    void handWorkedMomentsAndMedianIgnoringNaN() {
        SummaryStatistics s = SummaryStatistics.of(new double[]{4, 1, Double.NaN, 3, 2}, 200, 1);
        assertEquals(4, s.n());
        assertEquals(2.5, s.mean(), 1e-12);
        assertEquals(Math.sqrt(5.0 / 3), s.stddev(), 1e-12); // Σ(x−2.5)² = 5, n−1 = 3
        assertEquals(2.5, s.median(), 1e-12);
        assertTrue(s.ci95Low() >= 1 && s.ci95Low() <= s.mean() && s.mean() <= s.ci95High() && s.ci95High() <= 4);
        assertEquals(s, SummaryStatistics.of(new double[]{4, 1, Double.NaN, 3, 2}, 200, 1)); // reproducible
    }

    @Test
    void bootstrapIntervalMatchesTheNormalApproximationForALargeSample() {
        int n = 2000;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (i * 7919 % n) / (double) n; // a uniform grid on [0, 1), shuffled
        SummaryStatistics s = SummaryStatistics.of(v, 2000, 5);
        double se = s.stddev() / Math.sqrt(n);
        assertEquals(s.mean() - 1.96 * se, s.ci95Low(), 0.2 * se);
        assertEquals(s.mean() + 1.96 * se, s.ci95High(), 0.2 * se);
    }

    @Test
    void emptyInputGivesNaN() {
        SummaryStatistics s = SummaryStatistics.of(new double[]{Double.NaN}, 100, 1);
        assertEquals(0, s.n());
        assertTrue(Double.isNaN(s.mean()));
    }
}
