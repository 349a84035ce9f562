package io.noiselens.model;

import java.util.Arrays;

/**
 * DeepLift's Rescale rule (Shrikumar, Greenside, Kundaje, "Learning Important Features Through Propagating Activation
 * Differences", ICML 2017; Captum's {@code DeepLift}; METHODS-2.md §A.8): the graph is built twice, on the reference
 * input x′ and on the input, and every elementwise nonlinearity y = σ(x) (ReLU, leaky ReLU, sigmoid, hard sigmoid,
 * clip) passes gradients through the secant Δy/Δx = (σ(x) − σ(x′))/(x − x′) instead of σ′(x), its own gradient
 * where |Δx| &lt; τ = 10⁻¹⁰ + 10⁻⁵·(|x| + |x′|): it outputs sg(y) + (x − sg x) ⊙ sg(m), value y, Jacobian m. Captum's
 * threshold is the absolute 10⁻¹⁰; in float32 a unit whose input equals its reference's up to rounding (flat image
 * regions at the baseline's colour) then gets the ratio of two rounding errors as its multiplier, which differs
 * between engines — 9 % of the map on the small CNN — so differences within float32's relative resolution count as
 * none, and the secant's limit, σ′(x), is used. Linear
 * layers, sums and poolings keep their gradients; max pooling its winner-takes-all gradient, the original DeepLIFT
 * code's default (Captum has a rule of its own there). The input gradient times x − x′ is the attribution, summing
 * to f(x) − f(x′) when every nonlinearity is one of these.
 *
 * @param reference the reference input x′, model space, C×H×W
 */
public record Rescale(float[] reference) implements ModifiedGradient {
    /** Below EPS + RELATIVE·(|x| + |x′|) in |x − x′| a nonlinearity keeps its own gradient. */
    public static final double EPS = 1e-10;
    public static final double RELATIVE = 1e-5;

    @Override
    public boolean equals(Object o) {
        return o instanceof Rescale r && Arrays.equals(reference, r.reference);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(reference);
    }

    @Override
    public String toString() {
        return "Rescale[" + reference.length + " reference values]";
    }
}
