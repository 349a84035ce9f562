package io.noiselens.metrics.stability;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.VariantMaps;

import java.util.Map;

/**
 * Fidelity error of a smoothed map (Ye and Farnia, "On the Stability and Fidelity of Gaussian-Smoothed Saliency
 * Maps", AISTATS 2025; code {@code fidelity_plot_sigma.py}; METHODS.md §7): ‖E_σ(x) − E_0(x)‖₂ over every value of
 * the raw map, where E_0 is the same method without noise (one noise-free draw of its base explainer under the
 * same aggregation): ‖SG_σ − Grad‖ for SmoothGrad, ‖smoothed IG − IG‖ for SmoothGrad over IG, and likewise for
 * NoiseGrad and FusionGrad. A σ sweep is a list of methods that differ in σ; the {@code summary} table then gives
 * fidelity against σ, and the cross-model stability error of the same methods gives the other side of the
 * trade-off. Noise-free methods score 0. Lower is better.
 */
public final class FidelityError implements Metric {
    @Override
    public MetricInfo info() {
        return new MetricInfo("fidelity_error", MetricCategory.STABILITY, false, false, Map.of("norm", "l2",
                "values", "raw map (C×H×W as emitted)", "reference", "the method without noise (sigma_x = sigma_w = 0, one draw)"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        float[][] references = ctx.get(new VariantMaps(new MetricContext.Variant("denoised", true, null)));
        if (references == null) return MetricValue.nan("the method is an optimisation without a noise-free limit");
        float[] reference = references[i];
        float[] map = ctx.item(i).map();
        double ss = 0;
        for (int k = 0; k < map.length; k++) ss += (double) (map[k] - reference[k]) * (map[k] - reference[k]);
        return MetricValue.of(Math.sqrt(ss));
    }
}
