package io.noiselens.noise;

import io.noiselens.model.ModelWeights;
import io.noiselens.model.Tensor;
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

    @Test
    void weightNoiseIsMultiplicativeOnTrainableTensorsOnly() {
        float[] w = new float[20000];
        java.util.Arrays.fill(w, 2f);
        ModelWeights clean = new ModelWeights(List.of(
                new Tensor("conv.weight", new long[]{20000}, w, true),
                new Tensor("conv.bn.running_var", new long[]{3}, new float[]{1, 2, 3}, false)));
        ModelWeights r = new WeightNoise(0.2).replica(clean, 11, 3);
        assertSame(clean.get("conv.bn.running_var"), r.get("conv.bn.running_var"));
        float[] p = r.get("conv.weight").data();
        double s = 0, s2 = 0;
        for (float v : p) {
            s += v / 2;
            s2 += (v / 2) * (v / 2);
        }
        double mean = s / p.length, sd = Math.sqrt(s2 / p.length - mean * mean);
        assertEquals(1, mean, 0.01);   // η ~ N(1, 0.2²)
        assertEquals(0.2, sd, 0.005);
        assertArrayEquals(p, new WeightNoise(0.2).replica(clean, 11, 3).get("conv.weight").data());
        assertFalse(java.util.Arrays.equals(p, new WeightNoise(0.2).replica(clean, 11, 4).get("conv.weight").data()));
        assertEquals(2f, clean.get("conv.weight").data()[0]); // the clean weights are never modified
        assertSame(clean, new WeightNoise(0).replica(clean, 11, 3));
    }

    @Test
    void rangeFractionNoiseScalesWithTheImageRange() {
        float[] x = {-1, 0, 3};
        assertEquals(0.4, new InputNoise(0.1, InputNoise.Mode.RANGE_FRACTION).absoluteSigma(x), 1e-6);
        assertEquals(0.1, new InputNoise(0.1, InputNoise.Mode.ABSOLUTE).absoluteSigma(x), 1e-12);
    }
}
