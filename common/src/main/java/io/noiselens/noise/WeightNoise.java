package io.noiselens.noise;

import io.noiselens.model.ModelWeights;
import io.noiselens.model.Tensor;

import java.util.ArrayList;
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

    /** The weights of replica {@code replica} of {@code clean}. */
    public ModelWeights replica(ModelWeights clean, long runSeed, int replica) {
        if (sigma == 0) return clean;
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : clean.tensors()) {
            if (!t.trainable()) {
                out.add(t);
                continue;
            }
            float[] src = t.data();
            float[] z = new float[src.length];
            KeyedRandom.fillGaussian(streamKey(runSeed, replica, t.name()), z, 0, z.length);
            float s = (float) sigma;
            for (int i = 0; i < z.length; i++) z[i] = src[i] * (1f + s * z[i]);
            out.add(t.withData(z));
        }
        return new ModelWeights(out);
    }

    static long streamKey(long runSeed, int replica, String tensor) {
        return KeyedRandom.key(runSeed, KeyedRandom.Purpose.WEIGHTS, replica, KeyedRandom.hash(tensor));
    }
}
