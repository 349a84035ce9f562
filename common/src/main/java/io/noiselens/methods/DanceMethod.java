package io.noiselens.methods;

import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.NoisePlan;
import io.noiselens.lang.ConfigKey;
import io.noiselens.drivers.Dance;

import java.util.ArrayList;
import java.util.List;

import static io.noiselens.lang.ConfigKey.Type.*;

/**
 * DANCE, decoy-enhanced saliency (Lu, Guo, Xing, Noble, "DANCE: Enhancing Saliency Maps Using Decoys", ICML 2021;
 * METHODS.md §6): the per-feature range of the base map over decoys that change one K×K patch as much as the layer's
 * representation allows ({@link Dance}).
 */
public final class DanceMethod implements MethodFamily {
    @Override
    public String kind() {
        return "dance";
    }

    @Override
    public String summary() {
        return "range over decoys of the base map; decoys change one patch and keep the representation at `layer` within "
                + "ε; `decoys` and `valid_decoys` per map in `method_params` (Lu et al. 2021)";
    }

    @Override
    public List<ConfigKey> keys() {
        Dance d = Dance.defaults();
        List<ConfigKey> keys = new ArrayList<>(Keys.baseExplainer(Bases.GRADIENT));
        keys.add(ConfigKey.of("layer", STRING, null, "The layer whose representation decoys keep (default the first)."));
        keys.add(ConfigKey.of("patch", INT, d.patch(), "Decoy patch size K (K×K pixels, all channels).").atLeast(1));
        keys.add(ConfigKey.of("stride", INT, d.stride(), "Stride of the patch grid (1 is the paper's sliding window).")
                .atLeast(1));
        keys.add(ConfigKey.of("epsilon", DOUBLE, d.epsilon(), "Allowed ‖ΔF‖∞, as a fraction of max |F(x)| at the layer.")
                .atLeast(0));
        keys.add(ConfigKey.of("iterations", INT, d.iterations(), "Steps of each decoy's solver.").atLeast(1));
        return keys;
    }

    @Override
    public void validate(MethodSpec s, String where) {
        Keys.checkBaseExplainer(s, where, Bases.GRADIENT);
    }

    @Override
    public AttributionMethod build(MethodSpec s) {
        Dance d = Dance.defaults();
        return Keys.method(s, Keys.base(s), NoisePlan.none(), new Dance(s.text("layer"), s.integer("patch"),
                s.integer("stride"), s.real("epsilon"), s.integer("iterations"), d.stepSize()));
    }
}
