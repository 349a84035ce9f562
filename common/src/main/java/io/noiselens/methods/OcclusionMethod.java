package io.noiselens.methods;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.perturbation.Occlusion;
import io.noiselens.lang.ConfigKey;
import io.noiselens.lang.Errors;

import java.util.List;

import static io.noiselens.lang.ConfigKey.Type.INT;

/**
 * Occlusion (Zeiler &amp; Fergus 2014, Captum's {@code Occlusion}; {@link Occlusion}): the score drop when a sliding
 * window over all channels is set to the baseline, averaged over the windows covering each pixel. Forward passes only.
 */
public final class OcclusionMethod implements MethodFamily {
    @Override
    public String kind() {
        return "occlusion";
    }

    @Override
    public String summary() {
        return "mean score drop f(x) − f(x with a window set to the baseline) over the windows covering each pixel; "
                + "forward passes only, counted per map in `forward_passes` (Zeiler & Fergus 2014)";
    }

    @Override
    public List<ConfigKey> keys() {
        return List.of(ConfigKey.of("window", INT, 8, "Occlusion window: window×window pixels, all channels.").atLeast(1),
                ConfigKey.of("stride", INT, 4, "Occlusion stride (Captum's default is 1); at most the window.").atLeast(1),
                Keys.BASELINE);
    }

    @Override
    public void validate(MethodSpec s, String where) {
        if (s.integer("stride") > s.integer("window")) {
            throw Errors.invalidValue(where + ".stride", s.integer("stride"), "The stride must not exceed the window ("
                    + s.integer("window") + "), or some pixels are never occluded.");
        }
    }

    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return new Occlusion(s.integer("window"), s.integer("stride"), s.option("baseline", Baseline.class));
    }
}
