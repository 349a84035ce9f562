package io.noiselens.metrics.robustness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbedMaps;
import io.noiselens.metrics.Statistic;

import java.util.Map;

/**
 * Relative input stability (Agarwal et al., "Rethinking Stability for Attribution-based Explanations", 2022; Quantus
 * {@code RelativeInputStability}, METHODS-2.md §B.2): the method re-explains the original class on copies
 * x′ = x + U(−0.02, 0.02) per value, and the score is max over the copies of
 * ‖(e_x − e_x′)/e_x‖₂ / ‖(x − x′)/x‖₂ (element-wise ratios on the heat map and the input; a zero denominator entry
 * divided by ε_min = 10⁻⁶ instead, as Quantus does). Lower is better. As Quantus's default, NaN when any copy changes
 * the clean input's predicted class (the reason gives how many); copies: the run's {@code metrics.robustness_samples} (Quantus 200).
 */
public record RelativeInputStability(int samples) implements Metric {
    static final double NOISE = 0.02, EPS_MIN = 1e-6;

    @Override
    public MetricInfo info() {
        return new MetricInfo("relative_input_stability", MetricCategory.ROBUSTNESS, false, false, Map.of("samples",
                samples, "perturbation", "uniform", "radius", NOISE, "eps_min", EPS_MIN,
                "nan_on_prediction_change", true, "target", "original class"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        Sensitivity.UniformNoise noise = new Sensitivity.UniformNoise(NOISE);
        int changed = ctx.get(new PredictionChanges(NOISE, samples))[i];
        if (changed > 0) {
            return MetricValue.nan(changed + " of " + samples + " perturbed copies change the predicted class");
        }
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

    /**
     * Per item, how many of its uniform-noise copies the model classifies otherwise than the clean input (rows
     * [0, n): the clean inputs; then each item's copies).
     */
    record PredictionChanges(double radius, int samples) implements Statistic<int[]> {
        @Override
        public int[] compute(MetricContext ctx) {
            Sensitivity.UniformNoise noise = new Sensitivity.UniformNoise(radius);
            int n = ctx.size(), rows = n + n * samples;
            int[] targets = new int[rows];
            for (int j = 0; j < rows; j++) targets[j] = ctx.item(j < n ? j : (j - n) / samples).target();
            int[] argmax = ctx.evaluate(rows, (j, buf, off) -> {
                float[] xp = j < n ? ctx.item(j).input() : PerturbedMaps.copy(ctx, noise, (j - n) / samples, (j - n) % samples);
                System.arraycopy(xp, 0, buf, off, xp.length);
            }, targets).argmax();
            int[] out = new int[n];
            for (int j = n; j < rows; j++) if (argmax[j] != argmax[(j - n) / samples]) out[(j - n) / samples]++;
            return out;
        }
    }
}
