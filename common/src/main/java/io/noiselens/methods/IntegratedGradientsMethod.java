package io.noiselens.methods;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.lang.ConfigKey;

import java.util.List;

/**
 * Integrated Gradients (Sundararajan, Taly, Yan, "Axiomatic Attribution for Deep Networks", ICML 2017; METHODS.md
 * §2): A = (x − x′) ⊙ ∫₀¹ ∂f_c(x′ + α(x − x′))/∂x dα, by a quadrature rule over {@code steps} points.
 */
public final class IntegratedGradientsMethod implements MethodFamily {
    @Override
    public String kind() {
        return "integrated_gradients";
    }

    @Override
    public String summary() {
        return "(x − x′) ⊙ Σ w_k ∇f_c(x′ + α_k(x − x′)) (Sundararajan et al. 2017)";
    }

    @Override
    public List<ConfigKey> keys() {
        return Keys.integratedGradients();
    }

    @Override
    public void validate(MethodSpec s, String where) {
        Keys.trapezoidSteps(s, where);
    }


    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return Keys.integratedGradients(s);
    }
}
