package io.noiselens.metrics.robustness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbedMaps;
import io.noiselens.metrics.PredictionChanges;

import java.util.Map;

/**
 * Relative input stability (Agarwal et al., "Rethinking Stability for Attribution-based Explanations", 2022; Quantus
 * {@code RelativeInputStability}, METHODS-2.md §B.2): the method re-explains the original class on copies
 * x′ = x + U(−0.02, 0.02) per value, and the score is max over the copies of
 * ‖(e_x − e_x′)/e_x‖₂ / ‖(x − x′)/x‖₂ (element-wise ratios on the heat map and the input; a zero denominator entry
 * divided by ε_min = 10⁻⁶ instead, as Quantus does). Lower is better. As Quantus's default, NaN when any copy changes
 * the clean input's predicted class (the reason gives how many; {@code nan_on_prediction_change = false} scores them
 * all); copies: the run's {@code metrics.robustness_samples} (Quantus 200).
 */
public record RelativeInputStability(int samples, boolean nanOnChange) implements Metric {
    static final double NOISE = 0.02, EPS_MIN = 1e-6;

    @Override
    public MetricInfo info() {
        return new MetricInfo("relative_input_stability", MetricCategory.ROBUSTNESS, false, false, Map.of("samples",
                samples, "perturbation", "uniform", "radius", NOISE, "eps_min", EPS_MIN,
                "nan_on_prediction_change", nanOnChange, "target", "original class"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        Sensitivity.UniformNoise noise = new Sensitivity.UniformNoise(NOISE);
        MetricValue changed = PredictionChanges.nanIfChanged(ctx, nanOnChange, noise, samples, i);
        if (changed != null) return changed;
        PerturbedMaps.Maps p = ctx.get(new PerturbedMaps(noise, samples));
        float[] e = ctx.item(i).heatmap(), x = ctx.item(i).input();
        double worst = 0;
        for (int s = 0; s < samples; s++) {
            float[] ep = p.heatmaps()[i][s], xp = PerturbedMaps.copy(ctx, noise, i, s);
            worst = Math.max(worst, relative(e, ep) / relative(x, xp));
        }
        return MetricValue.of(worst);
    }

    /** ‖(a − b)/a‖₂, zero entries of a divided by ε_min. */
    static double relative(float[] a, float[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            double d = ((double) a[j] - b[j]) / (a[j] == 0 ? EPS_MIN : a[j]);
            s += d * d;
        }
        return Math.sqrt(s);
    }
}
