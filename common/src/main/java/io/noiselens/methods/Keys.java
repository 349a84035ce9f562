package io.noiselens.methods;

import io.noiselens.attribution.AbsMode;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.ChannelReduction;
import io.noiselens.attribution.Driver;
import io.noiselens.attribution.IntegratedGradients;
import io.noiselens.attribution.NoisePlan;
import io.noiselens.attribution.Quadrature;
import io.noiselens.attribution.SequentialStopping;
import io.noiselens.attribution.TargetSource;
import io.noiselens.attribution.perturbation.Segmentation;
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

    /** The baseline image: Integrated Gradients' path start, the value of occluded or absent pixels. */
    static final ConfigKey BASELINE = ConfigKey.oneOf("baseline", "zero", "Baseline image (Integrated Gradients' path "
            + "start; occluded or absent pixels).", names(Baseline.values()));

    /** A base explainer inside the noise plan: any family usable as a base ({@link Bases}). */
    static final ConfigKey BASE = ConfigKey.oneOf("base", "gradient", "Base explainer inside the noise plan; its own "
            + "keys apply with it.", Bases.kinds(Bases.ALL).toArray(String[]::new));
    /** DANCE's base: the gradient family (its decoys perturb gradients). */
    static final ConfigKey GRADIENT_BASE = ConfigKey.oneOf("base", "gradient", "Base explainer of the decoys.",
            Bases.kinds(Bases.GRADIENT).toArray(String[]::new));

    /** The paths of {@link MethodCatalogue#COMMON_KEYS} (spelled here: the catalogue's initialisation needs this class). */
    static final List<String> COMMON = List.of("kind", "id", "output", "target", "abs", "channel_reduction");

    /** Whether {@code f} wraps a base explainer (reads a {@code base} key). */
    static boolean takesBase(MethodFamily f) {
        return f.keys().contains(BASE) || f.keys().contains(GRADIENT_BASE);
    }

    /** A base explainer choice among {@code bases}, with each base's keys, which apply when that base is chosen. */
    static List<ConfigKey> baseExplainer(List<MethodFamily> bases) {
        List<ConfigKey> keys = new java.util.ArrayList<>(List.of(bases == Bases.ALL ? BASE : GRADIENT_BASE));
        // A base's own default for a common key (RISE explains the probability) applies through method().
        java.util.Set<String> seen = new java.util.HashSet<>(COMMON);
        for (MethodFamily f : bases) for (ConfigKey k : f.keys()) if (seen.add(k.path())) keys.add(k);
        return keys;
    }

    /** Integrated Gradients' rule: 50 Gauss–Legendre nodes from a zero baseline (Captum's defaults). */
    static List<ConfigKey> integratedGradients() {
        return List.of(ConfigKey.of("steps", INT, 50, "Integrated Gradients steps.").atLeast(1),
                ConfigKey.oneOf("quadrature", "gauss_legendre", "Integrated Gradients rule.", names(Quadrature.values())),
                BASELINE);
    }

    /** Coalition samples over image segments (KernelSHAP, LIME), a grid or SLIC superpixels, absent at the baseline. */
    static List<ConfigKey> segments(int samples) {
        return List.of(ConfigKey.of("n_samples", INT, samples, "Coalitions sampled (forward passes per draw).").atLeast(1),
                ConfigKey.oneOf("segmentation", "grid", "Interpretable features: a grid of blocks, or SLIC superpixels.",
                        names(Segmentation.Kind.values())),
                ConfigKey.of("grid", INT, 8, "Blocks per side of the grid segmentation.").atLeast(1),
                ConfigKey.of("slic_segments", INT, 100, "SLIC segments requested (skimage's n_segments).").atLeast(1),
                ConfigKey.of("slic_compactness", DOUBLE, 10.0, "SLIC compactness m.").atLeast(0),
                BASELINE);
    }

    static Segmentation segmentation(MethodSpec s) {
        return new Segmentation(s.option("segmentation", Segmentation.Kind.class), s.integer("grid"),
                s.integer("slic_segments"), s.real("slic_compactness"));
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

    /** The base explainer a noise plan (or DANCE) wraps: the chosen base family's explainer of these values. */
    static BaseExplainer base(MethodSpec s) {
        return Bases.family(s.text("base")).explainer(s);
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
     * The rules of {@link #baseExplainer}: a base's keys only with that base, and the chosen base's own cross-key
     * rules (Integrated Gradients' trapezoid rule needs two steps).
     */
    static void checkBaseExplainer(MethodSpec s, String where, List<MethodFamily> bases) {
        MethodFamily chosen = Bases.family(s.text("base"));
        chosen.validate(s, where);
        java.util.Set<String> own = new java.util.HashSet<>(COMMON);
        for (ConfigKey k : chosen.keys()) own.add(k.path());
        for (MethodFamily f : bases) {
            for (ConfigKey k : f.keys()) {
                if (s.isSet(k.path()) && !own.contains(k.path())) {
                    throw Errors.invalidValue(where + "." + k.path(), s.values().get(k.path()), "'" + k.path()
                            + "' does not apply to kind " + s.kind() + " with base = " + s.text("base") + "; remove it"
                            + " or set base to one of " + Bases.taking(k.path()) + ".");
                }
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
        OutputSpace output = s.option("output", OutputSpace.class);
        if (!s.isSet("output") && s.values().containsKey("base")) {
            // A base that redeclares the common output key (RISE: probability) keeps its default under a noise plan.
            for (ConfigKey k : Bases.family(s.text("base")).keys()) {
                if (k.path().equals("output")) output = OutputSpace.valueOf(k.defaultValue().toString().toUpperCase(Locale.ROOT));
            }
        }
        return new AttributionMethod(s.id(), s.kind(), base, plan, output,
                s.option("target", TargetSource.class), s.option("abs", AbsMode.class),
                s.option("channel_reduction", ChannelReduction.class), driver);
    }
}
