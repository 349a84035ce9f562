package io.noiselens.methods;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.propagation.DeepLift;
import io.noiselens.lang.ConfigKey;
import io.noiselens.lang.Errors;

import java.util.List;

/**
 * DeepLift with the Rescale rule ({@link DeepLift}): (x − x′) times the secant-multiplier gradient; the convergence
 * delta Σ A − (f(x) − f(x′)) is stored with each map. Default baseline zero (Captum's). Explains logits.
 */
public final class DeepLiftMethod implements MethodFamily {
    @Override
    public String kind() {
        return "deeplift";
    }

    @Override
    public String summary() {
        return "(x − x′) ⊙ multipliers with each nonlinearity's derivative replaced by its secant from the baseline "
                + "(Rescale rule; Shrikumar et al. 2017)";
    }

    @Override
    public List<ConfigKey> keys() {
        return List.of(Keys.BASELINE);
    }

    @Override
    public void validate(MethodSpec s, String where) {
        if (!s.text("output").equals("logit")) {
            throw Errors.invalidValue(where + ".output", s.text("output"), "DeepLift explains the logit; remove 'output'.");
        }
    }

    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return new DeepLift(s.option("baseline", Baseline.class));
    }
}
