package io.noiselens.attribution;

import io.noiselens.noise.InputNoise;
import io.noiselens.noise.WeightNoise;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sampling plan around a base explainer (METHODS.md §13.1): N weight replicas θ ⊙ N(1, σ_w²), M input draws
 * x + ε per replica, reduced by an {@link Aggregation}. Every method in scope is one plan:
 * Gradient/IG (1, 0, 1, 0, mean), SmoothGrad (1, 0, M, σ, mean), SG² (…, mean of squares), VarGrad
 * (…, variance), NoiseGrad (N, σ_w, 1, 0, mean), FusionGrad (N, σ_w, M, σ, mean).
 *
 * <p>Input draw j of replica i uses noise sample s = i·M + j, so FusionGrad(σ_w = 0, N, M) equals SmoothGrad with
 * N·M samples on the same ε.
 */
public record NoisePlan(int replicas, WeightNoise weightNoise, int samples, InputNoise inputNoise,
                        Aggregation aggregation, SequentialStopping stopping) {
    public NoisePlan {
        if (replicas < 1 || samples < 1) {
            throw new IllegalArgumentException("A noise plan needs ≥ 1 replica and ≥ 1 sample, got "
                    + replicas + " and " + samples);
        }
        if (stopping != null && !((replicas == 1 || samples == 1) && aggregation == Aggregation.MEAN)) {
            throw new IllegalArgumentException("Adaptive sampling (tolerance) needs independent draws averaged by the mean: "
                    + "one sample per replica (noisegrad) or one replica (smoothgrad); this plan has " + replicas
                    + " replicas × " + samples + " samples aggregated by " + aggregation.name().toLowerCase());
        }
    }

    /** A plan with a fixed number of draws. */
    public NoisePlan(int replicas, WeightNoise weightNoise, int samples, InputNoise inputNoise, Aggregation aggregation) {
        this(replicas, weightNoise, samples, inputNoise, aggregation, null);
    }

    /** The same plan, stopping each image's draws early by {@code s} (null: the fixed count). */
    public NoisePlan withStopping(SequentialStopping s) {
        return new NoisePlan(replicas, weightNoise, samples, inputNoise, aggregation, s);
    }

    /**
     * Whether the draws are independent and identically distributed, so that their sample variance gives the
     * estimate's standard error: true unless several input samples share each weight replica (FusionGrad).
     */
    public boolean independentDraws() {
        return replicas == 1 || samples == 1;
    }

    public static NoisePlan none() {
        return new NoisePlan(1, new WeightNoise(0), 1, new InputNoise(0, InputNoise.Mode.ABSOLUTE), Aggregation.MEAN);
    }

    public int draws() {
        return replicas * samples;
    }

    public boolean clean() {
        return weightNoise.sigma() == 0 && inputNoise.sigma() == 0;
    }

    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("N", replicas);
        m.put("sigma_w", weightNoise.sigma());
        m.put("noise_type_w", "multiplicative");
        m.put("M", samples);
        m.put("sigma_x", inputNoise.sigma());
        m.put("sigma_x_mode", inputNoise.mode().name().toLowerCase());
        m.put("aggregation", aggregation.name().toLowerCase());
        if (stopping != null) {
            m.put("tolerance", stopping.tolerance());
            m.put("min_draws", stopping.minDraws());
            m.put("check_every", stopping.every());
        }
        return m;
    }
}
