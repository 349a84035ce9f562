package io.noiselens.noise;

import io.noiselens.random.KeyedRandom;

import io.noiselens.model.ModelWeights;
import io.noiselens.model.Tensor;

import java.util.List;

/**
 * NoiseGrad's weight perturbation (Bykov et al., AAAI 2022, METHODS.md §3.1): replica i is θ ⊙ η_i with
 * η_i ~ N(1, σ_w²) element-wise, drawn for every trainable tensor (weights, biases, BatchNorm γ/β) and never for
 * buffers (BatchNorm running statistics). Every replica starts from the clean weights (the 2021 reference code;
 * the 2023 package compounds noise across samples, §3.3).
 *
 * <p>η_i = 1 + σ_w·z_i with z_i a standard normal stream keyed by (run seed, replica, tensor name), so replica i
 * is the same on every executor and retry, and replicas of different σ_w share z (common random numbers across a
 * σ sweep).
 */
public record WeightNoise(double sigma) {
    public WeightNoise {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("Weight noise σ_w must be a finite value ≥ 0, got " + sigma);
        }
    }

    /**
     * The weights of replica {@code replica} of {@code clean}. Tensors are drawn in parallel (each from its own keyed
     * stream, so the result does not depend on the threads), in cache-sized chunks that draw z and apply θ(1 + σz)
     * in one pass.
     */
    public ModelWeights replica(ModelWeights clean, long runSeed, int replica) {
        if (sigma == 0) return clean;
        List<Tensor> tensors = List.copyOf(clean.tensors());
        Tensor[] out = new Tensor[tensors.size()];
        float s = (float) sigma;
        java.util.stream.IntStream.range(0, out.length).parallel().forEach(k -> {
            Tensor t = tensors.get(k);
            if (!t.trainable()) {
                out[k] = t;
                return;
            }
            float[] src = t.data(), dst = new float[src.length];
            long key = streamKey(runSeed, replica, t.name());
            for (int start = 0; start < dst.length; start += CHUNK) {
                int n = Math.min(CHUNK, dst.length - start);
                KeyedRandom.fillGaussian(key, start, dst, start, n);
                for (int i = start; i < start + n; i++) dst[i] = src[i] * (1f + s * dst[i]);
            }
            out[k] = t.withData(dst);
        });
        return new ModelWeights(java.util.Arrays.asList(out));
    }

    private static final int CHUNK = 4096;

    static long streamKey(long runSeed, int replica, String tensor) {
        return KeyedRandom.key(runSeed, KeyedRandom.Purpose.WEIGHTS, replica, KeyedRandom.hash(tensor));
    }
}
