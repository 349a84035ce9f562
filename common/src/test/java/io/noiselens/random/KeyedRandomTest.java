package io.noiselens.random;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

class KeyedRandomTest {

    @Test
    void gaussianStreamHasStandardNormalMomentsAndTails() {
        int n = 400_000;
        float[] z = new float[n];
        KeyedRandom.fillGaussian(KeyedRandom.key(1, KeyedRandom.Purpose.INPUT, 2, 3), z, 0, n);
        double s = 0, s2 = 0, s4 = 0;
        int beyond2 = 0;
        for (float v : z) {
            s += v;
            s2 += v * v;
            s4 += (double) v * v * v * v;
            if (Math.abs(v) > 2) beyond2++;
        }
        double mean = s / n, var = s2 / n - mean * mean;
        assertEquals(0, mean, 5 * Math.sqrt(1.0 / n));
        assertEquals(1, var, 5 * Math.sqrt(2.0 / n));
        assertEquals(3, s4 / n, 0.05);                       // kurtosis of N(0,1)
        assertEquals(0.0455, (double) beyond2 / n, 0.002);  // P(|Z| > 2) = 4.55 %
    }

    /**
     * The ziggurat's output against the normal distribution itself: a χ² test over 200 equiprobable bins whose edges
     * come from an independent quantile function (Wichura's AS241, PPND16, accurate to 1e-16), and the tail masses
     * beyond the ziggurat's base strip (R = 3.654, where the tail algorithm takes over) and beyond 4.5.
     */
    @Test
    void zigguratMatchesTheNormalDistributionInTheBodyAndTheTails() {
        int n = 4_000_000, bins = 200;
        float[] z = new float[n];
        KeyedRandom.fillGaussian(KeyedRandom.key(3, KeyedRandom.Purpose.WEIGHTS, 8), z, 0, n);
        double[] edges = new double[bins - 1];
        for (int k = 1; k < bins; k++) edges[k - 1] = ppnd16((double) k / bins);
        long[] counts = new long[bins];
        int beyondR = 0, beyond45 = 0;
        for (float v : z) {
            int bin = java.util.Arrays.binarySearch(edges, v);
            counts[bin >= 0 ? bin + 1 : -bin - 1]++;
            if (Math.abs(v) > 3.6541528853610088) beyondR++;
            if (Math.abs(v) > 4.5) beyond45++;
        }
        double expected = (double) n / bins, chi2 = 0;
        for (long c : counts) chi2 += (c - expected) * (c - expected) / expected;
        // χ² with 199 degrees of freedom: mean 199, sd 19.9; 290 is beyond its 99.99th percentile.
        assertTrue(chi2 < 290, "χ² = " + chi2);
        double pR = 2 * (1 - cdf(3.6541528853610088)), p45 = 2 * (1 - cdf(4.5));
        assertEquals(pR * n, beyondR, 5 * Math.sqrt(pR * n));
        assertEquals(p45 * n, beyond45, 5 * Math.sqrt(p45 * n) + 1);
    }

    /** Φ(x) from the complementary error function (Numerical Recipes' erfcc, |ε| < 1.2e-7). */
    static double cdf(double x) {
        double t = 1 / (1 + 0.5 * Math.abs(x / Math.sqrt(2)));
        double y = t * Math.exp(-x * x / 2 - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
                + t * 0.17087277)))))))));
        return x >= 0 ? 1 - y / 2 : y / 2;
    }

    /** Wichura's AS241 PPND16: Φ⁻¹(p) to about 1e-16. */
    static double ppnd16(double p) {
        double q = p - 0.5;
        if (Math.abs(q) <= 0.425) {
            double r = 0.180625 - q * q;
            return q * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                    + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                    + 133.14166789178437745) * r + 3.387132872796366608)
                    / (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                    + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                    + 42.313330701600911252) * r + 1);
        }
        double r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p)), x;
        if (r <= 5) {
            r -= 1.6;
            x = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                    + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                    + 4.6303378461565452959) * r + 1.42343711074968357734)
                    / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                    + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                    + 2.05319162663775882187) * r + 1);
        } else {
            r -= 5;
            x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                    + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                    + 5.4637849111641143699) * r + 6.6579046435011037772)
                    / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                    + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                    + 0.59983220655588793769) * r + 1);
        }
        return q < 0 ? -x : x;
    }

    @Test
    void aSliceFromAnyStartEqualsTheWholeStream() {
        long key = KeyedRandom.key(9, KeyedRandom.Purpose.WEIGHTS, 5);
        float[] all = new float[3000], part = new float[1000];
        KeyedRandom.fillGaussian(key, all, 0, all.length);
        KeyedRandom.fillGaussian(key, 1234, part, 0, part.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 1234, 2234), part);
    }

    @Test
    void anySliceOfAStreamCanBeRegeneratedAlone() {
        long key = KeyedRandom.key(9, KeyedRandom.Purpose.WEIGHTS, 4);
        float[] all = new float[1001];
        KeyedRandom.fillGaussian(key, all, 0, all.length);
        for (int i = 0; i < all.length; i += 97) {
            assertEquals(all[i], (float) KeyedRandom.gaussian(key, i));
        }
    }

    @Test
    void keysSeparateEveryComponent() {
        long base = KeyedRandom.key(1, KeyedRandom.Purpose.INPUT, 2, 3);
        assertNotEquals(base, KeyedRandom.key(2, KeyedRandom.Purpose.INPUT, 2, 3));
        assertNotEquals(base, KeyedRandom.key(1, KeyedRandom.Purpose.WEIGHTS, 2, 3));
        assertNotEquals(base, KeyedRandom.key(1, KeyedRandom.Purpose.INPUT, 3, 2));
        assertNotEquals(base, KeyedRandom.key(1, KeyedRandom.Purpose.INPUT, 2, 4));
        assertNotEquals(KeyedRandom.hash("n01440764_10026.JPEG"), KeyedRandom.hash("n01440764_10027.JPEG"));
    }

    @Test
    void sameKeyGivesSameStreamOnAnyThread() throws Exception {
        long key = KeyedRandom.key(5, KeyedRandom.Purpose.INPUT, KeyedRandom.hash("img"), 0, 7);
        float[] here = new float[5000];
        KeyedRandom.fillGaussian(key, here, 0, here.length);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (Future<float[]> f : pool.invokeAll(List.of(task(key), task(key), task(key), task(key)))) {
                assertArrayEquals(here, f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    private static java.util.concurrent.Callable<float[]> task(long key) {
        return () -> {
            float[] z = new float[5000];
            KeyedRandom.fillGaussian(key, z, 0, z.length);
            return z;
        };
    }
}
