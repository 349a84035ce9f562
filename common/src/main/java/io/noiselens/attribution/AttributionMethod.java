package io.noiselens.attribution;

import io.noiselens.model.OutputSpace;
import io.noiselens.noise.InputNoise;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One requested attribution: a base explainer inside a noise plan, plus the conventions every map carries
 * (METHODS.md §1): the explained output, the target, where abs is taken, and the channel reduction.
 * {@code id} names the map in the tables ({@code method} column); {@code kind} is the method family.
 */
public record AttributionMethod(String id, String kind, BaseExplainer base, NoisePlan plan, OutputSpace output,
                                TargetSource target, AbsMode abs, ChannelReduction channelReduction, Driver driver) {

    public AttributionMethod(String id, String kind, BaseExplainer base, NoisePlan plan, OutputSpace output,
                             TargetSource target, AbsMode abs, ChannelReduction channelReduction) {
        this(id, kind, base, plan, output, target, abs, channelReduction, null);
    }

    /** The same method under another sampling plan (adaptive noising tries several σ). */
    public AttributionMethod withPlan(NoisePlan newPlan) {
        return new AttributionMethod(id, kind, base, newPlan, output, target, abs, channelReduction, driver);
    }

    /** The same method with another channel reduction. */
    public AttributionMethod withChannelReduction(ChannelReduction newReduction) {
        return new AttributionMethod(id, kind, base, plan, output, target, abs, newReduction, driver);
    }

    /** The same method computed by {@code newDriver} (null: by its noise plan alone). */
    public AttributionMethod withDriver(Driver newDriver) {
        return new AttributionMethod(id, kind, base, plan, output, target, abs, channelReduction, newDriver);
    }

    /** The same method over another base explainer (e.g. Integrated Gradients with a different rule). */
    public AttributionMethod withBase(BaseExplainer newBase) {
        return new AttributionMethod(id, kind, newBase, plan, output, target, abs, channelReduction, driver);
    }

    /** The same method explaining another target (robustness metrics re-explain the original class). */
    public AttributionMethod withTarget(TargetSource newTarget) {
        return new AttributionMethod(id, kind, base, plan, output, newTarget, abs, channelReduction, driver);
    }

    /**
     * The σ → 0 limit of the method: one noise-free draw of the base explainer under the same aggregation (Gradient
     * for SmoothGrad and NoiseGrad, Gradient² for SG², 0 for VarGrad, 0 for SmoothTaylor); fidelity's reference.
     * A driver is dropped: its plan's noise-free limit is the reference.
     */
    public AttributionMethod denoised() {
        NoisePlan none = NoisePlan.none();
        return new AttributionMethod(id, kind, base, new NoisePlan(1, none.weightNoise(), 1, none.inputNoise(),
                plan.aggregation()), output, target, abs, channelReduction);
    }

    /** Every parameter, defaults explicit, as stored in {@code method_params}. */
    public Map<String, Object> params(long runSeed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("base_method", base.name());
        m.putAll(base.params());
        m.putAll(plan.params());
        m.put("output_space", output.name().toLowerCase());
        m.put("target_source", target.name().toLowerCase());
        m.put("abs", abs.name().toLowerCase());
        m.put("channel_reduction", channelReduction.name().toLowerCase());
        m.put("replica_policy", "shared_bank");
        m.put("seed", runSeed);
        m.put("rng_algo", io.noiselens.random.KeyedRandom.ALGORITHM);
        if (driver != null) m.putAll(driver.params());
        return m;
    }
}
