package io.noiselens.methods;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Gradient;
import io.noiselens.lang.ConfigKey;

import java.util.List;

/**
 * Gradient, the vanilla saliency map (Simonyan, Vedaldi, Zisserman, "Deep Inside Convolutional Networks", ICLR
 * workshop 2014; METHODS.md §2): A = ∂f_c(x)/∂x.
 */
public final class GradientMethod implements MethodFamily {
    @Override
    public String kind() {
        return "gradient";
    }

    @Override
    public String summary() {
        return "∇ₓ f_c(x) (Simonyan et al. 2014)";
    }

    @Override
    public List<ConfigKey> keys() {
        return List.of();
    }


    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return new Gradient();
    }
}
