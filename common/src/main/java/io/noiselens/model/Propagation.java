package io.noiselens.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * Layer-wise relevance propagation rules a graph is built with (METHODS-2.md §A.7; Bach et al., "On Pixel-Wise
 * Explanations for Non-Linear Classifier Decisions by Layer-Wise Relevance Propagation", PLoS ONE 2015; Montavon et
 * al., "Layer-Wise Relevance Propagation: An Overview", 2019): one rule for the first linear layer (the one reading
 * the input), one for the other convolutions, one for dense layers, as Zennit's composites map module types to rules.
 *
 * <p>The rules are written into the graph as modified Jacobians ("gradient × input with a modified backward pass",
 * Zennit's hooks): a linear layer z = Wx + b with the rule's modified map z̃ outputs
 * sg(z) + (Z − sg(Z)) ⊙ sg(z / stab(z̃)), whose value is z and whose Jacobian is ∂Z/∂x scaled by z/stab(z̃)
 * (sg: stop-gradient; stab(v) = v + ε·sign(v), sign(0) = +1). Reading relevance as gradient × activation at every
 * layer boundary, the layer then passes R_i = Σ_j x_i·∂Z_j/∂x_i · R_j / stab(z̃_j) — the rule. The first layer's Z
 * carries the rule's numerator itself (½x² in place of x, ½(x − l)² and ½(x − h)² for z^B, an all-ones map for Flat),
 * so the relevance of the input is the variant graph's input gradient, no multiplication needed, and
 * Σ_i R_i = the explained logit up to what biases and stabilisers absorb (Captum's convention). ReLU, pooling, sums
 * and reshapes keep their gradients: relevance passes ReLUs, average pooling and residual sums split it in proportion
 * to their inputs (the Norm rule), max pooling gives it to the winner. BatchNorm after a convolution is folded into
 * it first (Zennit's canonizer), also in every weight-noise replica.
 *
 * @param low  per input channel, the lowest model-space input (z^B's l), used by {@link Rule#ZBOX}; the engine
 *             fills it from the model's normaliser ({@link #withBounds})
 * @param high per input channel, the highest (z^B's h)
 */
public record Propagation(Rule first, Rule conv, Rule dense, double epsilon, double gamma, double alpha, double beta,
                          float[] low, float[] high) implements ModifiedGradient {
    /** A rule for one linear layer, after Zennit's and Captum's definitions. */
    public enum Rule {
        /** LRP-ε: z̃ = z; ε-stabilised. */
        EPSILON,
        /**
         * LRP-γ, Zennit's signed form: where z &gt; 0, x⁺(w + γw⁺) + x⁻(w + γw⁻) with b + γb⁺; elsewhere
         * x⁺(w + γw⁻) + x⁻(w + γw⁺) with b + γb⁻.
         */
        GAMMA,
        /** z⁺ (α = 1, β = 0): x⁺w⁺ + x⁻w⁻ with b⁺. */
        ZPLUS,
        /** αβ: α·(x w)⁺ / Σ(x w)⁺ − β·(x w)⁻ / Σ(x w)⁻, "+" = x⁺w⁺ + x⁻w⁻ (with b⁺), "−" = x⁺w⁻ + x⁻w⁺ (with b⁻). */
        ALPHA_BETA,
        /** z^B, first layer only: x w − l w⁺ − h w⁻, with the input's bounds l, h. */
        ZBOX,
        /** Flat, first layer only: relevance spread evenly over each output's receptive field. */
        FLAT
    }

    /** Zennit's stabiliser of the rules other than ε. */
    public static final double STABILISER = 1e-6;

    public Propagation {
        if (first == null || conv == null || dense == null) throw new IllegalArgumentException("Every layer kind needs a rule");
        for (Rule r : new Rule[]{conv, dense}) {
            if (r == Rule.ZBOX || r == Rule.FLAT) {
                throw new IllegalArgumentException("Rule " + r + " applies to the first layer only");
            }
        }
        if (first == Rule.ALPHA_BETA || conv == Rule.ALPHA_BETA || dense == Rule.ALPHA_BETA) {
            if (alpha < 0 || beta < 0 || Math.abs(alpha - beta - 1) > 1e-9) {
                throw new IllegalArgumentException("The αβ rule needs α − β = 1 and α, β ≥ 0, got α = " + alpha + ", β = " + beta);
            }
        }
    }

    /** The same rules with the input's bounds for z^B, per channel. */
    public Propagation withBounds(float[] lowest, float[] highest) {
        return new Propagation(first, conv, dense, epsilon, gamma, alpha, beta, lowest, highest);
    }

    /** The rule of a linear layer: the first one's, or the dense or convolution rule. */
    public Rule rule(boolean isFirst, boolean isDense) {
        return isFirst ? first : isDense ? dense : conv;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Propagation p && first == p.first && conv == p.conv && dense == p.dense
                && epsilon == p.epsilon && gamma == p.gamma && alpha == p.alpha && beta == p.beta
                && Arrays.equals(low, p.low) && Arrays.equals(high, p.high);
    }

    @Override
    public int hashCode() {
        return Objects.hash(first, conv, dense, epsilon, gamma, alpha, beta, Arrays.hashCode(low), Arrays.hashCode(high));
    }

    @Override
    public String toString() {
        return "Propagation[first=" + first + ", conv=" + conv + ", dense=" + dense + ", ε=" + epsilon + ", γ=" + gamma
                + ", α=" + alpha + ", β=" + beta + "]";
    }
}
