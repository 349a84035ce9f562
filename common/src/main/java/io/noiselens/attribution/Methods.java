package io.noiselens.attribution;

import io.noiselens.model.OutputSpace;
import io.noiselens.noise.InputNoise;

/**
 * Builds {@link AttributionMethod}s with every default explicit. Defaults follow the reference code
 * (METHODS.md §2–3): IG 50 Gauss–Legendre steps from a zero baseline (Captum); SmoothGrad family 25 samples at
 * 15 % of the input range (PAIR saliency); NoiseGrad N = 25, σ_w = 0.2; FusionGrad N = M = 10, σ_w = 0.2,
 * σ_x = 0.4 absolute (official 2021 code); SmoothTaylor N = 150 roots at σ = 0.5 absolute (official code); RelEx
 * B = 50 copies at 10 % of the range with its reference optimiser settings. Maps explain the logit of the predicted class, signed, summed over
 * channels.
 */
public final class Methods {
    private Methods() {}

    public static Builder builder(AttributionMethod.Kind kind) {
        return new Builder(kind);
    }

    /** A fluent builder; unset values take the defaults above. */
    public static final class Builder {
        private final AttributionMethod.Kind kind;
        private String id;
        private BaseExplainer base;
        private int replicas;
        private double sigmaW = 0.2;
        private int samples;
        private InputNoise inputNoise;
        private OutputSpace output = OutputSpace.LOGIT;
        private TargetSource target = TargetSource.PREDICTED;
        private AbsMode abs = AbsMode.NONE;
        private ChannelReduction channelReduction = ChannelReduction.SUM;
        private Driver driver;

        private Builder(AttributionMethod.Kind kind) {
            this.kind = kind;
            boolean fg = kind == AttributionMethod.Kind.FUSIONGRAD, st = kind == AttributionMethod.Kind.SMOOTHTAYLOR,
                    relex = kind == AttributionMethod.Kind.RELEX;
            this.replicas = fg ? 10 : 25;
            this.samples = fg ? 10 : st ? 150 : relex ? 50 : 25;
            this.inputNoise = fg ? new InputNoise(0.4, InputNoise.Mode.ABSOLUTE)
                    : st ? new InputNoise(0.5, InputNoise.Mode.ABSOLUTE)
                    : relex ? new InputNoise(0.1, InputNoise.Mode.RANGE_FRACTION)
                    : new InputNoise(0.15, InputNoise.Mode.RANGE_FRACTION);
            if (relex) this.driver = io.noiselens.drivers.RelEx.defaults();
            if (kind == AttributionMethod.Kind.DANCE) this.driver = io.noiselens.drivers.Dance.defaults();
            this.base = switch (kind) {
                case GRADIENT_X_INPUT -> new GradientXInput();
                case INTEGRATED_GRADIENTS -> integratedGradients(50, Quadrature.GAUSS_LEGENDRE, Baseline.ZERO);
                case SMOOTHTAYLOR -> new TaylorTerm();
                default -> new Gradient();
            };
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** The base explainer; only the noise-tunnel family (SmoothGrad … FusionGrad) and DANCE accept one. */
        public Builder base(BaseExplainer base) {
            if (!kind.wrapsBase()) {
                throw new IllegalArgumentException(kind.key() + " has a fixed base explainer; 'base' applies to "
                        + "smoothgrad, smoothgrad_sq, vargrad, noisegrad, fusiongrad and dance");
            }
            this.base = base;
            return this;
        }

        public Builder replicas(int n) {
            this.replicas = n;
            return this;
        }

        public Builder sigmaW(double s) {
            this.sigmaW = s;
            return this;
        }

        public Builder samples(int m) {
            this.samples = m;
            return this;
        }

        public Builder inputNoise(double sigma, InputNoise.Mode mode) {
            this.inputNoise = new InputNoise(sigma, mode);
            return this;
        }

        public Builder output(OutputSpace o) {
            this.output = o;
            return this;
        }

        public Builder target(TargetSource t) {
            this.target = t;
            return this;
        }

        public Builder abs(AbsMode a) {
            this.abs = a;
            return this;
        }

        public Builder channelReduction(ChannelReduction c) {
            this.channelReduction = c;
            return this;
        }

        /** The driver computing the method (RelEx's settings, adaptive noising); null: the noise plan alone. */
        public Builder driver(Driver d) {
            this.driver = d;
            return this;
        }

        public AttributionMethod build() {
            return new AttributionMethod(id == null ? kind.key() : id, kind.key(), base,
                    kind.plan(replicas, sigmaW, samples, inputNoise), output, target, abs, channelReduction, driver);
        }
    }

    public static IntegratedGradients integratedGradients(int steps, Quadrature q, Baseline b) {
        return new IntegratedGradients(steps, q, b);
    }
}
