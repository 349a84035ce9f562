package io.noiselens.methods;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.perturbation.Rise;
import io.noiselens.lang.ConfigKey;
import io.noiselens.lang.Errors;
import io.noiselens.model.OutputSpace;

import java.util.List;

import static io.noiselens.lang.ConfigKey.Type.DOUBLE;
import static io.noiselens.lang.ConfigKey.Type.INT;

/**
 * RISE (Petsiuk et al. 2018; {@link Rise}): the mean of random smooth masks weighted by the softmax probability of the
 * masked input. Defaults: the paper's ResNet-50 setting, N = 4000 masks of a 7×7 grid with keep probability ½, and the
 * probability as the explained output (the common {@code output} key, redeclared with this default).
 */
public final class RiseMethod implements MethodFamily {
    @Override
    public String kind() {
        return "rise";
    }

    @Override
    public String summary() {
        return "(1/(N·p)) Σ_i f_c(x ⊙ M_i)·M_i over N random upsampled s×s masks, f the softmax probability; forward "
                + "passes only (Petsiuk et al. 2018)";
    }

    @Override
    public List<ConfigKey> keys() {
        return List.of(ConfigKey.of("masks", INT, 4000, "RISE masks N (shared by every image).").atLeast(1),
                ConfigKey.of("mask_grid", INT, 7, "RISE grid s: masks are s×s cells upsampled to the image.").atLeast(1),
                ConfigKey.of("keep", DOUBLE, 0.5, "RISE keep probability p of a cell, in (0, 1].").atLeast(0),
                ConfigKey.oneOf("output", "probability", "Explained output (RISE scores masks by the softmax).",
                        Keys.names(OutputSpace.values())));
    }

    @Override
    public void validate(MethodSpec s, String where) {
        double p = s.real("keep");
        if (p <= 0 || p > 1) throw Errors.invalidValue(where + ".keep", p, "The keep probability must be in (0, 1].");
    }

    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return new Rise(s.integer("masks"), s.integer("mask_grid"), s.real("keep"));
    }
}
