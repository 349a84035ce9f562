package io.noiselens.methods;

import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.NoisePlan;
import io.noiselens.attribution.perturbation.Lime;
import io.noiselens.lang.ConfigKey;

import java.util.ArrayList;
import java.util.List;

import static io.noiselens.lang.ConfigKey.Type.DOUBLE;

/**
 * LIME over image segments (Ribeiro et al. 2016, Captum's {@code Lime} defaults; {@link Lime}): random coalitions,
 * an exponential similarity kernel and a weighted Lasso. Defaults: 200 coalitions of an 8×8 grid, cosine distance,
 * kernel width 1, α = 0.01.
 */
public final class LimeMethod implements MethodFamily {
    @Override
    public String kind() {
        return "lime";
    }

    @Override
    public String summary() {
        return "coefficients of a weighted Lasso of coalition scores on segment presence, weights exp(−d²/(2w²)); "
                + "forward passes only (Ribeiro et al. 2016)";
    }

    @Override
    public List<ConfigKey> keys() {
        List<ConfigKey> keys = new ArrayList<>(Keys.segments(200));
        keys.add(ConfigKey.of("kernel_width", DOUBLE, 1.0, "LIME kernel width w in π = exp(−d²/(2w²)).").atLeast(0));
        keys.add(ConfigKey.oneOf("distance", "cosine", "LIME distance between the input and a perturbed input.",
                Keys.names(Lime.Distance.values())));
        keys.add(ConfigKey.of("lasso_alpha", DOUBLE, 0.01, "LIME Lasso penalty α (0: weighted least squares).").atLeast(0));
        return keys;
    }

    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return new Lime(s.integer("n_samples"), Keys.segmentation(s), s.option("baseline", Baseline.class),
                s.real("kernel_width"), s.option("distance", Lime.Distance.class), s.real("lasso_alpha"));
    }

    @Override
    public AttributionMethod build(MethodSpec s) {
        return Keys.method(s, explainer(s), NoisePlan.none(), null);
    }
}
