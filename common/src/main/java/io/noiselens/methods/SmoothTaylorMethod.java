package io.noiselens.methods;

import io.noiselens.attribution.Aggregation;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.NoisePlan;
import io.noiselens.attribution.TaylorTerm;
import io.noiselens.lang.ConfigKey;
import io.noiselens.drivers.AdaptiveNoising;
import io.noiselens.noise.InputNoise;
import io.noiselens.noise.WeightNoise;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * SmoothTaylor (Goh, Lapuschkin, Weber, Samek, Binder, "Understanding Integrated Gradients with SmoothTaylor for
 * Deep Neural Network Attribution", ICPR 2020; METHODS.md §5): the mean over N roots z_i = x + ε_i of the first-order
 * Taylor term (x − z_i) ⊙ ∂f_c(z_i)/∂x, N = 150 at σ = 0.5 absolute (official code); with {@code adaptive}, a
 * per-image search for the σ minimising AUPC or AUTVC ({@link AdaptiveNoising}).
 */
public final class SmoothTaylorMethod implements MethodFamily {
    @Override
    public String kind() {
        return "smoothtaylor";
    }

    @Override
    public String summary() {
        return "mean over roots z = x + σε of (x − z) ⊙ ∇f_c(z); `adaptive` searches σ per image and stores it as "
                + "`sigma_chosen` in `method_params` (Goh et al. 2020)";
    }

    @Override
    public List<ConfigKey> keys() {
        List<ConfigKey> keys = new ArrayList<>(Keys.inputNoise(150, 0.5, InputNoise.Mode.ABSOLUTE));
        keys.add(ConfigKey.oneOf("adaptive", "none", "Per-image search for σ minimising aupc or autvc (adaptive "
                + "noising); the chosen σ is stored with each map.", "none", "aupc", "autvc"));
        return keys;
    }

    @Override
    public AttributionMethod build(MethodSpec s) {
        NoisePlan plan = new NoisePlan(1, new WeightNoise(0), s.integer("samples"), Keys.inputNoise(s), Aggregation.MEAN);
        String adaptive = s.text("adaptive");
        return Keys.method(s, new TaylorTerm(), plan, adaptive.equals("none") ? null
                : AdaptiveNoising.defaults(AdaptiveNoising.Objective.valueOf(adaptive.toUpperCase(Locale.ROOT))));
    }
}
