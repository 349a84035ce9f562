package io.noiselens.methods;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.GradientXInput;
import io.noiselens.lang.ConfigKey;

import java.util.List;

/**
 * Gradient × Input (Shrikumar, Greenside, Shcherbina, Kundaje, "Not Just a Black Box", 2016; METHODS.md §2):
 * A = x ⊙ ∂f_c(x)/∂x.
 */
public final class GradientTimesInputMethod implements MethodFamily {
    @Override
    public String kind() {
        return "gradient_x_input";
    }

    @Override
    public String summary() {
        return "x ⊙ ∇f_c(x) (Shrikumar et al. 2016)";
    }

    @Override
    public List<ConfigKey> keys() {
        return List.of();
    }


    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return new GradientXInput();
    }
}
