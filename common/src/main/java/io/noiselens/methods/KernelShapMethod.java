package io.noiselens.methods;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.perturbation.KernelShap;
import io.noiselens.lang.ConfigKey;

import java.util.List;

/**
 * KernelSHAP over image segments (Lundberg &amp; Lee 2017, sampled and fitted as Captum's {@code KernelShap};
 * {@link KernelShap}). Defaults: 200 coalitions of an 8×8 grid (Captum's 25 cannot determine 64 segments), zero
 * baseline.
 */
public final class KernelShapMethod implements MethodFamily {
    @Override
    public String kind() {
        return "kernel_shap";
    }

    @Override
    public String summary() {
        return "Shapley values of image segments by a Shapley-kernel weighted linear fit of coalition scores; forward "
                + "passes only (Lundberg & Lee 2017)";
    }

    @Override
    public List<ConfigKey> keys() {
        return Keys.segments(200);
    }

    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return new KernelShap(s.integer("n_samples"), Keys.segmentation(s), s.option("baseline", Baseline.class));
    }
}
