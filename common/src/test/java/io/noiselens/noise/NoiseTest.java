package io.noiselens.noise;

import io.noiselens.model.ModelWeights;
import io.noiselens.model.Tensor;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Weight and input noise drawn from the keyed streams. */
class NoiseTest {
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

    /**
     * The parallel, chunked replica equals the element-by-element definition θ_k·(1 + σ·z_k) with z_k the scalar
     * draw k of the tensor's stream, for tensors that span several chunks and others smaller than one, in any order.
     */
    @Test
    void parallelReplicaEqualsTheElementwiseDefinition() {
        List<Tensor> ts = new java.util.ArrayList<>();
        for (int t = 0; t < 12; t++) {
            float[] v = new float[t % 3 == 0 ? 10_007 : 37 * (t + 1)];
            KeyedRandom.fillGaussian(t, v, 0, v.length);
            ts.add(new Tensor("layer" + t + ".weight", new long[]{v.length}, v, true));
        }
        ModelWeights clean = new ModelWeights(ts);
        ModelWeights r = new WeightNoise(0.3).replica(clean, 5, 2);
        for (Tensor t : clean.tensors()) {
            float[] got = r.get(t.name()).data();
            long key = WeightNoise.streamKey(5, 2, t.name());
            for (int k = 0; k < got.length; k++) {
                float expected = t.data()[k] * (1f + 0.3f * (float) KeyedRandom.gaussian(key, k));
                assertEquals(expected, got[k], 1e-6f * Math.abs(expected) + 1e-12f, t.name() + "[" + k + "]");
            }
        }
        assertEquals(List.copyOf(clean.tensors()).stream().map(Tensor::name).toList(),
                List.copyOf(r.tensors()).stream().map(Tensor::name).toList(), "tensor order kept");
    }

    @Test
    void rangeFractionNoiseScalesWithTheImageRange() {
        float[] x = {-1, 0, 3};
        assertEquals(0.4, new InputNoise(0.1, InputNoise.Mode.RANGE_FRACTION).absoluteSigma(x), 1e-6);
        assertEquals(0.1, new InputNoise(0.1, InputNoise.Mode.ABSOLUTE).absoluteSigma(x), 1e-12);
    }
}
