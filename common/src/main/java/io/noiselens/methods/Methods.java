package io.noiselens.methods;

import io.noiselens.lang.Errors;
import io.noiselens.attribution.AbsMode;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.ChannelReduction;
import io.noiselens.attribution.Driver;
import io.noiselens.attribution.IntegratedGradients;
import io.noiselens.attribution.Quadrature;
import io.noiselens.attribution.TargetSource;
import io.noiselens.model.OutputSpace;
import io.noiselens.noise.InputNoise;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A typed way to write a method in Java: each setter is one of the family's configuration keys, and {@link
 * Builder#build} goes through {@link MethodCatalogue#spec} like a configuration entry, so the defaults and checks are
 * the family's own. A base explainer or driver object given here replaces the one the keys describe.
 */
public final class Methods {
    private Methods() {}

    public static Builder builder(String kind) {
        return new Builder(kind);
    }

    /** Key values for one family; unset keys take the family's defaults. */
    public static final class Builder {
        private final Map<String, Object> raw = new LinkedHashMap<>();
        private BaseExplainer base;
        private Driver driver;

        private Builder(String kind) {
            raw.put("kind", kind);
        }

        public Builder id(String id) {
            raw.put("id", id);
            return this;
        }

        /** A base explainer object (e.g. Integrated Gradients with a rule of its own) for a family that takes one. */
        public Builder base(BaseExplainer b) {
            if (!Keys.takesBase(MethodCatalogue.family((String) raw.get("kind")))) {
                throw Errors.invalidValue("base", b, raw.get("kind") + " has a fixed base explainer; 'base' applies to "
                        + MethodCatalogue.families().stream().filter(Keys::takesBase).map(MethodFamily::kind).toList() + ".");
            }
            this.base = b;
            return this;
        }

        public Builder replicas(int n) {
            raw.put("replicas", n);
            return this;
        }

        public Builder sigmaW(double s) {
            raw.put("sigma_w", s);
            return this;
        }

        public Builder samples(int m) {
            raw.put("samples", m);
            return this;
        }

        public Builder inputNoise(double sigma, InputNoise.Mode mode) {
            raw.put("sigma", sigma);
            raw.put("sigma_mode", key(mode));
            return this;
        }

        public Builder output(OutputSpace o) {
            raw.put("output", key(o));
            return this;
        }

        public Builder target(TargetSource t) {
            raw.put("target", key(t));
            return this;
        }

        public Builder abs(AbsMode a) {
            raw.put("abs", key(a));
            return this;
        }

        public Builder channelReduction(ChannelReduction c) {
            raw.put("channel_reduction", key(c));
            return this;
        }

        /** Any other key of the family, as a configuration entry writes it. */
        public Builder set(String key, Object value) {
            raw.put(key, value);
            return this;
        }

        /** A driver object computing the method in place of the family's own (null: the noise plan alone). */
        public Builder driver(Driver d) {
            this.driver = d;
            return this;
        }

        public AttributionMethod build() {
            AttributionMethod m = MethodCatalogue.spec(raw, "method").build();
            if (base != null) m = m.withBase(base);
            return driver != null ? m.withDriver(driver) : m;
        }

        private static String key(Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
    }

    public static IntegratedGradients integratedGradients(int steps, Quadrature q, Baseline b) {
        return new IntegratedGradients(steps, q, b);
    }
}
