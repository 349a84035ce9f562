package io.noiselens.methods;

import io.noiselens.attribution.Aggregation;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.Gradient;
import io.noiselens.attribution.NoisePlan;
import io.noiselens.lang.ConfigKey;
import io.noiselens.drivers.RelEx;
import io.noiselens.noise.InputNoise;
import io.noiselens.noise.WeightNoise;

import java.util.ArrayList;
import java.util.List;

import static io.noiselens.lang.ConfigKey.Type.*;

/**
 * RelEx (Lim, Lee, Kim, "Building Reliable Explanations of Unreliable Neural Networks: Locally Smoothing Perspective
 * of Model Interpretation", CVPR 2021; METHODS.md §4): a mask m ∈ [0, 1] optimised over B noisy copies to keep the
 * class on x̃ ⊙ m and lose it on x̃ ⊙ (1 − m), with an L1 penalty ({@link RelEx}); B = 50 copies at 10 % of the
 * range, 50 iterations.
 */
public final class RelExMethod implements MethodFamily {
    @Override
    public String kind() {
        return "relex";
    }

    @Override
    public String summary() {
        return "mask m ∈ [0,1]^{C×H×W} optimised over B noisy copies to keep the class on x̃ ⊙ m and lose it on x̃ ⊙ (1 − m), "
                + "with an L1 penalty (Lim et al. 2021)";
    }

    @Override
    public List<ConfigKey> keys() {
        RelEx d = RelEx.defaults();
        List<ConfigKey> keys = new ArrayList<>(Keys.inputNoise(50, 0.1, InputNoise.Mode.RANGE_FRACTION));
        keys.add(ConfigKey.of("iterations", INT, d.iterations(), "Optimisation steps of the mask.").atLeast(1));
        keys.add(ConfigKey.of("l1", DOUBLE, d.l1(), "L1 weight λ₁ on the mask.").atLeast(0));
        keys.add(ConfigKey.of("l2", DOUBLE, d.l2(), "Weight λ₂ of the term that keeps the complement uninformative.")
                .atLeast(0));
        return keys;
    }

    @Override
    public AttributionMethod build(MethodSpec s) {
        RelEx d = RelEx.defaults();
        NoisePlan plan = new NoisePlan(1, new WeightNoise(0), s.integer("samples"), Keys.inputNoise(s), Aggregation.MEAN);
        return Keys.method(s, new Gradient(), plan, new RelEx(s.integer("iterations"), s.real("l1"), s.real("l2"),
                d.learningRate(), d.momentum()));
    }
}
