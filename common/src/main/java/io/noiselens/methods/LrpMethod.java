package io.noiselens.methods;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.propagation.Lrp;
import io.noiselens.lang.ConfigKey;
import io.noiselens.lang.Errors;

import java.util.List;

import static io.noiselens.lang.ConfigKey.Type.DOUBLE;

/**
 * Layer-wise relevance propagation under a Zennit composite ({@link Lrp}): one backward pass through modified
 * Jacobians. Defaults: EpsilonPlusFlat, ε = 10⁻⁶, γ = 0.25, α = 2, β = 1 (Zennit's). Explains logits.
 */
public final class LrpMethod implements MethodFamily {
    @Override
    public String kind() {
        return "lrp";
    }

    @Override
    public String summary() {
        return "layer-wise relevance propagation under a composite of ε, γ, αβ, z⁺, z^B and Flat rules, BatchNorm folded; "
                + "relevance sums to the logit (Bach et al. 2015, Zennit's composites)";
    }

    @Override
    public List<ConfigKey> keys() {
        return List.of(ConfigKey.oneOf("composite", "epsilon_plus_flat", "LRP rules: first layer / convolutions / dense "
                        + "(epsilon_plus_flat: Flat/z⁺/ε, epsilon_gamma_box: z^B/γ/ε, epsilon_alpha_beta: αβ/αβ/ε, epsilon).",
                        Keys.names(Lrp.Composite.values())),
                ConfigKey.of("epsilon", DOUBLE, 1e-6, "LRP ε of the ε rule.").atLeast(0),
                ConfigKey.of("gamma", DOUBLE, 0.25, "LRP γ of the γ rule.").atLeast(0),
                ConfigKey.of("alpha", DOUBLE, 2.0, "LRP α of the αβ rule (α − β = 1).").atLeast(0),
                ConfigKey.of("beta", DOUBLE, 1.0, "LRP β of the αβ rule.").atLeast(0));
    }

    @Override
    public void validate(MethodSpec s, String where) {
        if (!s.text("output").equals("logit")) {
            throw Errors.invalidValue(where + ".output", s.text("output"), "LRP explains the logit; remove 'output'.");
        }
        if (Math.abs(s.real("alpha") - s.real("beta") - 1) > 1e-9) {
            throw Errors.invalidValue(where + ".alpha", s.real("alpha"), "The αβ rule needs alpha − beta = 1 (e.g. alpha 2, "
                    + "beta 1; or alpha 1, beta 0).");
        }
    }

    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return new Lrp(s.option("composite", Lrp.Composite.class), s.real("epsilon"), s.real("gamma"), s.real("alpha"),
                s.real("beta"));
    }
}
