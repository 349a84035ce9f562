package io.noiselens.methods;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.perturbation.Lime;
import io.noiselens.lang.ConfigKey;

import java.util.ArrayList;
import java.util.List;

import static io.noiselens.lang.ConfigKey.Type.DOUBLE;

/**
 * LIME over image segments (Ribeiro et al. 2016; {@link Lime}): random coalitions, an exponential similarity kernel and
 * a weighted linear fit. Defaults: 200 coalitions of an 8×8 grid, Captum's cosine distance and kernel width 1, the
 * paper's ridge fit with α = 1.
 */
public final class LimeMethod implements MethodFamily {
    @Override
    public String kind() {
        return "lime";
    }

    @Override
    public String summary() {
        return "coefficients of a weighted ridge (or Lasso) fit of coalition scores on segment presence, weights "
                + "exp(−d²/(2w²)); "
                + "forward passes only (Ribeiro et al. 2016)";
    }

    @Override
    public List<ConfigKey> keys() {
        List<ConfigKey> keys = new ArrayList<>(Keys.segments(200));
        keys.add(ConfigKey.of("kernel_width", DOUBLE, 1.0, "LIME kernel width w in π = exp(−d²/(2w²)).").atLeast(0));
        keys.add(ConfigKey.oneOf("distance", "cosine", "LIME distance between the input and a perturbed input.",
                Keys.names(Lime.Distance.values())));
        keys.add(ConfigKey.oneOf("fit", "ridge", "LIME's linear fit: ridge (the paper's and lime's), lasso (Captum's) or "
                + "least_squares (SynapseML's).", Keys.names(Lime.Fit.values())));
        keys.add(ConfigKey.of("fit_alpha", DOUBLE, 1.0, "LIME penalty α of the ridge (lime: 1) or Lasso (Captum: 0.01) fit.")
                .atLeast(0));
        return keys;
    }

    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return new Lime(s.integer("n_samples"), Keys.segmentation(s), s.option("baseline", Baseline.class),
                s.real("kernel_width"), s.option("distance", Lime.Distance.class), s.option("fit", Lime.Fit.class),
                s.real("fit_alpha"));
    }
}
