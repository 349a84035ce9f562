package io.noiselens.attribution.propagation;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.DrawPoint;
import io.noiselens.attribution.DrawState;
import io.noiselens.attribution.Evaluation;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Propagation;
import io.noiselens.model.Propagation.Rule;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Layer-wise relevance propagation (Bach et al., PLoS ONE 2015; Montavon et al. 2019; METHODS-2.md §A.7) under a
 * composite of rules as Zennit names them ({@link Composite}): one backward pass of the model built with the rules'
 * modified Jacobians ({@link Propagation}) gives the relevance of every input element, summing to the explained logit
 * up to what biases and stabilisers absorb (Captum's scale; Zennit's is this divided by the logit). BatchNorm is
 * folded into the convolution before it, in every weight replica, as Zennit's canonizer merges it.
 */
public final class Lrp implements BaseExplainer {
    /** Zennit's composites: the rule of the first layer, of the other convolutions, of dense layers. */
    public enum Composite {
        /** Flat first, z⁺ on convolutions, ε on dense layers (Zennit's EpsilonPlusFlat). */
        EPSILON_PLUS_FLAT(Rule.FLAT, Rule.ZPLUS, Rule.EPSILON),
        /** z^B first, γ on convolutions, ε on dense layers (Zennit's EpsilonGammaBox). */
        EPSILON_GAMMA_BOX(Rule.ZBOX, Rule.GAMMA, Rule.EPSILON),
        /** αβ on every convolution, ε on dense layers (Zennit's EpsilonAlpha2Beta1 with α, β set). */
        EPSILON_ALPHA_BETA(Rule.ALPHA_BETA, Rule.ALPHA_BETA, Rule.EPSILON),
        /** ε everywhere (LRP-ε, Captum's default rule); with ε → 0 and ReLU networks, gradient × input. */
        EPSILON(Rule.EPSILON, Rule.EPSILON, Rule.EPSILON);

        final Rule first, conv, dense;

        Composite(Rule first, Rule conv, Rule dense) {
            this.first = first;
            this.conv = conv;
            this.dense = dense;
        }
    }

    private final Composite composite;
    private final Propagation propagation;

    public Lrp(Composite composite, double epsilon, double gamma, double alpha, double beta) {
        this.composite = composite;
        this.propagation = new Propagation(composite.first, composite.conv, composite.dense, epsilon, gamma, alpha, beta,
                null, null);
    }

    @Override
    public String name() {
        return "lrp";
    }

    @Override
    public Evaluation evaluation(ModelSpec spec) {
        Propagations.requireCnn(spec, "LRP");
        // z^B's bounds: the model-space images of pixel values 0 and 1, per channel.
        float[] low = new float[spec.channels()], high = new float[spec.channels()];
        for (int c = 0; c < low.length; c++) {
            low[c] = spec.preprocessing().normalise(c, 0f);
            high[c] = spec.preprocessing().normalise(c, 1f);
        }
        return Evaluation.relevance(propagation.withBounds(low, high));
    }

    @Override
    public DrawState start(DrawPoint p) {
        return DrawState.oneRow(p.z(), relevance -> relevance);
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("composite", composite.name().toLowerCase(Locale.ROOT));
        m.put("rule_first", composite.first.name().toLowerCase(Locale.ROOT));
        m.put("rule_conv", composite.conv.name().toLowerCase(Locale.ROOT));
        m.put("rule_dense", composite.dense.name().toLowerCase(Locale.ROOT));
        m.put("epsilon", propagation.epsilon());
        m.put("stabiliser", Propagation.STABILISER);
        if (composite == Composite.EPSILON_GAMMA_BOX) {
            m.put("gamma", propagation.gamma());
            m.put("gamma_form", "zennit (signed)");
        }
        if (composite == Composite.EPSILON_ALPHA_BETA) {
            m.put("alpha", propagation.alpha());
            m.put("beta", propagation.beta());
        }
        m.put("batchnorm", "folded into the preceding convolution");
        m.put("relevance_scale", "sums to the logit");
        return m;
    }
}
