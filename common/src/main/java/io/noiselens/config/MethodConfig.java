package io.noiselens.config;

import io.noiselens.attribution.AbsMode;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.SequentialStopping;
import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.ChannelReduction;
import io.noiselens.attribution.Gradient;
import io.noiselens.attribution.GradientXInput;
import io.noiselens.attribution.Methods;
import io.noiselens.attribution.Quadrature;
import io.noiselens.attribution.TargetSource;
import io.noiselens.drivers.AdaptiveNoising;
import io.noiselens.drivers.Dance;
import io.noiselens.drivers.RelEx;
import io.noiselens.model.OutputSpace;
import io.noiselens.noise.InputNoise;

import java.io.Serializable;

/**
 * One entry of the job's {@code methods} list, validated and serialisable so that executors rebuild the same
 * {@link AttributionMethod}. Null fields take the defaults of {@link Methods}.
 */
public record MethodConfig(String id, AttributionMethod.Kind kind, String base, Integer replicas, Double sigmaW,
                           Integer samples, Double sigma, InputNoise.Mode sigmaMode, Integer steps,
                           Quadrature quadrature, Baseline baseline, OutputSpace output, TargetSource target,
                           AbsMode abs, ChannelReduction channelReduction, String adaptive, Integer iterations,
                           Double l1, Double l2, String layer, Integer patch, Integer stride, Double epsilon,
                           Double tolerance, Integer minDraws, Integer checkEvery)
        implements Serializable {

    public AttributionMethod build() {
        Methods.Builder b = Methods.builder(kind);
        if (id != null) b.id(id);
        BaseExplainer explainer = baseExplainer();
        if (explainer != null) b.base(explainer);
        if (replicas != null) b.replicas(replicas);
        if (sigmaW != null) b.sigmaW(sigmaW);
        if (samples != null) b.samples(samples);
        AttributionMethod defaults = Methods.builder(kind).build();
        if (sigma != null || sigmaMode != null) {
            InputNoise d = defaults.plan().inputNoise();
            b.inputNoise(sigma != null ? sigma : d.sigma(), sigmaMode != null ? sigmaMode : d.mode());
        }
        if (output != null) b.output(output);
        if (target != null) b.target(target);
        if (abs != null) b.abs(abs);
        if (channelReduction != null) b.channelReduction(channelReduction);
        AttributionMethod m = b.build();
        if (kind == AttributionMethod.Kind.INTEGRATED_GRADIENTS) m = m.withBase(integratedGradients());
        if (kind == AttributionMethod.Kind.RELEX) {
            RelEx d = RelEx.defaults();
            m = m.withDriver(new RelEx(iterations != null ? iterations : d.iterations(), l1 != null ? l1 : d.l1(),
                    l2 != null ? l2 : d.l2(), d.learningRate(), d.momentum()));
        }
        if (kind == AttributionMethod.Kind.DANCE) {
            Dance d = Dance.defaults();
            m = m.withDriver(new Dance(layer, patch != null ? patch : d.patch(), stride != null ? stride : d.stride(),
                    epsilon != null ? epsilon : d.epsilon(), iterations != null ? iterations : d.iterations(), d.stepSize()));
        }
        if (tolerance != null) {
            m = m.withPlan(m.plan().withStopping(new SequentialStopping(tolerance,
                    minDraws != null ? minDraws : SequentialStopping.DEFAULT_MIN_DRAWS,
                    checkEvery != null ? checkEvery : SequentialStopping.DEFAULT_EVERY)));
        }
        if (adaptive != null && !adaptive.equals("none")) {
            m = m.withDriver(AdaptiveNoising.defaults(AdaptiveNoising.Objective.valueOf(adaptive.toUpperCase())));
        }
        return m;
    }

    private BaseExplainer baseExplainer() {
        if (!kind.wrapsBase() || base == null) return null;
        return switch (base) {
            case "gradient" -> new Gradient();
            case "gradient_x_input" -> new GradientXInput();
            case "integrated_gradients" -> integratedGradients();
            default -> throw new IllegalStateException("validated earlier: " + base);
        };
    }

    private BaseExplainer integratedGradients() {
        return Methods.integratedGradients(steps != null ? steps : 50,
                quadrature != null ? quadrature : Quadrature.GAUSS_LEGENDRE, baseline != null ? baseline : Baseline.ZERO);
    }
}
