package io.noiselens.methods;

import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.BaseExplainer;
import io.noiselens.lang.ConfigKey;

import java.util.List;

/**
 * One attribution method family as users configure it: the {@code kind} they write, the keys it reads besides
 * {@link MethodCatalogue#COMMON_KEYS} (with this family's defaults and bounds), rules that span several keys, and
 * the estimator its values describe. Adding a method is one implementation and one line: in {@link Bases#ALL} for a
 * family usable alone and as a noise plan's base (it implements {@link #explainer}), else in {@link MethodCatalogue}.
 */
public interface MethodFamily {
    /** The {@code kind} value, e.g. {@code smoothgrad}. */
    String kind();

    /** One line for README and {@code --help}: what the method computes and where it was published. */
    String summary();

    /** The keys this family reads besides the common ones; a key it does not declare is refused. */
    List<ConfigKey> keys();

    /**
     * Rules that span keys (a trapezoid rule needs two steps; Integrated Gradients' keys need base =
     * integrated_gradients); throws an error naming {@code where.key}. Single keys' types and bounds are checked
     * before this from their declarations.
     */
    default void validate(MethodSpec spec, String where) {}

    /** The method these (validated, defaulted) values describe: by default, this family's base explainer alone. */
    default AttributionMethod build(MethodSpec spec) {
        BaseExplainer base = java.util.Objects.requireNonNull(explainer(spec), () -> kind() + " defines neither build nor explainer");
        return Keys.method(spec, base, io.noiselens.attribution.NoisePlan.none(), null);
    }

    /**
     * The base explainer these values describe, for a family usable as the base of a noise plan ({@link Bases});
     * null for the others.
     */
    default BaseExplainer explainer(MethodSpec spec) {
        return null;
    }
}
