package io.noiselens.methods;

import io.noiselens.attribution.AbsMode;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.ChannelReduction;
import io.noiselens.attribution.Driver;
import io.noiselens.attribution.Gradient;
import io.noiselens.attribution.GradientXInput;
import io.noiselens.attribution.IntegratedGradients;
import io.noiselens.attribution.NoisePlan;
import io.noiselens.attribution.Quadrature;
import io.noiselens.attribution.SequentialStopping;
import io.noiselens.attribution.TargetSource;
import io.noiselens.lang.ConfigKey;
import io.noiselens.lang.Errors;
import io.noiselens.model.OutputSpace;
import io.noiselens.noise.InputNoise;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static io.noiselens.lang.ConfigKey.Type.*;

/** The keys several families share, declared once with each family's defaults, and how their values are read. */
final class Keys {
    private Keys() {}

    static final ConfigKey BASE = ConfigKey.oneOf("base", "gradient", "Base explainer inside the noise plan.",
            "gradient", "gradient_x_input", "integrated_gradients");
    static final List<String> INTEGRATED_GRADIENTS_KEYS = List.of("steps", "quadrature", "baseline");

    /** A base explainer choice with Integrated Gradients' keys, which apply when that base is chosen. */
    static List<ConfigKey> baseExplainer() {
        List<ConfigKey> keys = new java.util.ArrayList<>(List.of(BASE));
        keys.addAll(integratedGradients());
        return keys;
    }

    /** Integrated Gradients' rule: 50 Gauss–Legendre nodes from a zero baseline (Captum's defaults). */
    static List<ConfigKey> integratedGradients() {
        return List.of(ConfigKey.of("steps", INT, 50, "Integrated Gradients steps.").atLeast(1),
                ConfigKey.oneOf("quadrature", "gauss_legendre", "Integrated Gradients rule.", names(Quadrature.values())),
                ConfigKey.oneOf("baseline", "zero", "Integrated Gradients baseline.", names(Baseline.values())));
    }

    /** M input-noise samples x + N(0, σ²), σ absolute or a fraction of the image's range. */
    static List<ConfigKey> inputNoise(int samples, double sigma, InputNoise.Mode mode) {
        return List.of(ConfigKey.of("samples", INT, samples, "Input-noise samples M per replica.").atLeast(1),
                ConfigKey.of("sigma", DOUBLE, sigma, "Input noise σ (absolute, or fraction of the image range); a list "
                        + "is a sweep: one method per value, id suffixed _sigma<value>.").atLeast(0),
                ConfigKey.oneOf("sigma_mode", mode.name().toLowerCase(Locale.ROOT), "How sigma is read.",
                        names(InputNoise.Mode.values())));
    }

    /** N weight replicas θ ⊙ N(1, σ_w²). */
    static List<ConfigKey> weightNoise(int replicas, double sigmaW) {
        return List.of(ConfigKey.of("replicas", INT, replicas, "Weight replicas N.").atLeast(1),
                ConfigKey.of("sigma_w", DOUBLE, sigmaW, "Multiplicative weight noise σ_w; a list is a sweep: one method "
                        + "per value, id suffixed _sigma_w<value>.").atLeast(0));
    }

    /** Adaptive sampling: stop an image's draws once its running mean is precise enough. */
    static List<ConfigKey> stopping() {
        return List.of(ConfigKey.of("tolerance", DOUBLE, null, "Adaptive sampling: stop drawing for an image once the "
                        + "relative standard error of its running mean map is ≤ tolerance; samples/replicas is then the "
                        + "maximum. The achieved error and the draws are stored with each map.").atLeast(0),
                ConfigKey.of("min_draws", INT, SequentialStopping.DEFAULT_MIN_DRAWS,
                        "Adaptive sampling: draws before the first check.").atLeast(1),
                ConfigKey.of("check_every", INT, SequentialStopping.DEFAULT_EVERY,
                        "Adaptive sampling: draws between checks.").atLeast(1));
    }

    static String[] names(Enum<?>[] values) {
        return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);
    }

    static IntegratedGradients integratedGradients(MethodSpec s) {
        return new IntegratedGradients(s.integer("steps"), s.option("quadrature", Quadrature.class),
                s.option("baseline", Baseline.class));
    }

    /** The base explainer a noise plan wraps ({@link #BASE}). */
    static BaseExplainer base(MethodSpec s) {
        return switch (s.text("base")) {
            case "gradient_x_input" -> new GradientXInput();
            case "integrated_gradients" -> integratedGradients(s);
            default -> new Gradient();
        };
    }

    static InputNoise inputNoise(MethodSpec s) {
        return new InputNoise(s.real("sigma"), s.option("sigma_mode", InputNoise.Mode.class));
    }

    /** {@code plan}, stopping early where {@code tolerance} is set. */
    static NoisePlan stopping(NoisePlan plan, MethodSpec s) {
        Double tolerance = s.optionalReal("tolerance");
        return tolerance == null ? plan
                : plan.withStopping(new SequentialStopping(tolerance, s.integer("min_draws"), s.integer("check_every")));
    }

    /**
     * The rules of {@link #baseExplainer()}: Integrated Gradients' keys only with that base, and its trapezoid rule
     * with at least two steps.
     */
    static void checkBaseExplainer(MethodSpec s, String where) {
        trapezoidSteps(s, where);
        if (s.text("base").equals("integrated_gradients")) return;
        for (String key : INTEGRATED_GRADIENTS_KEYS) {
            if (s.isSet(key)) {
                throw Errors.invalidValue(where + "." + key, s.values().get(key), "'" + key + "' does not apply to kind "
                        + s.kind() + " with base = " + s.text("base") + "; remove it or set base = integrated_gradients.");
            }
        }
    }

    /** The trapezoid rule needs both ends of the path. */
    static void trapezoidSteps(MethodSpec s, String where) {
        if (s.option("quadrature", Quadrature.class) == Quadrature.RIEMANN_TRAPEZOID && s.integer("steps") < 2) {
            throw Errors.invalidValue(where + ".steps", s.integer("steps"), "The trapezoid rule needs steps ≥ 2.");
        }
    }

    /** The method with the conventions every map carries (output, target, abs, channel reduction). */
    static AttributionMethod method(MethodSpec s, BaseExplainer base, NoisePlan plan, Driver driver) {
        return new AttributionMethod(s.id(), s.kind(), base, plan, s.option("output", OutputSpace.class),
                s.option("target", TargetSource.class), s.option("abs", AbsMode.class),
                s.option("channel_reduction", ChannelReduction.class), driver);
    }
}
