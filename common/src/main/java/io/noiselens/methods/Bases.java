package io.noiselens.methods;

import io.noiselens.lang.Errors;

import java.util.ArrayList;
import java.util.List;

/**
 * The families usable alone and as the base explainer of a noise plan (SmoothGrad, NoiseGrad, FusionGrad…): the
 * gradient family, the class activation maps, the perturbation methods and relevance propagation. Each declares its keys once; a noise plan
 * over it reads the same keys ({@link Keys#baseExplainer}).
 */
final class Bases {
    private Bases() {}

    /** Gradient, Gradient × Input, Integrated Gradients: the bases of DANCE's decoys. */
    static final List<MethodFamily> GRADIENT = List.of(new GradientMethod(), new GradientTimesInputMethod(),
            new IntegratedGradientsMethod());

    /** Every base, in the order README lists them. */
    static final List<MethodFamily> ALL;

    static {
        List<MethodFamily> all = new ArrayList<>(GRADIENT);
        all.addAll(List.of(CamMethod.GRADCAM, CamMethod.GRADCAM_PLUS_PLUS, CamMethod.LAYERCAM, new OcclusionMethod(),
                new RiseMethod(), new KernelShapMethod(), new LimeMethod(), new LrpMethod(), new DeepLiftMethod()));
        ALL = List.copyOf(all);
    }

    static List<String> kinds(List<MethodFamily> bases) {
        return bases.stream().map(MethodFamily::kind).toList();
    }

    static MethodFamily family(String kind) {
        for (MethodFamily f : ALL) if (f.kind().equals(kind)) return f;
        throw Errors.invalidValue("base", kind, "Use one of " + kinds(ALL) + ".");
    }

    /** The bases that read {@code key}. */
    static List<String> taking(String key) {
        return ALL.stream().filter(f -> f.keys().stream().anyMatch(k -> k.path().equals(key))).map(MethodFamily::kind).toList();
    }
}
