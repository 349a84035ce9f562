package io.noiselens.metrics.robustness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbedMaps;
import io.noiselens.metrics.PredictionChanges;
import io.noiselens.metrics.Statistic;
import io.noiselens.model.Architectures;
import io.noiselens.model.LayerProbe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Relative input, output and representation stability (Agarwal et al., "Rethinking Stability for Attribution-based
 * Explanations", 2022; Quantus {@code RelativeInputStability}, {@code RelativeOutputStability},
 * {@code RelativeRepresentationStability}, METHODS-2.md §B.2). The method re-explains the original class on copies
 * x′ = x + U(−0.02, 0.02) per value, and the score is the max over the copies of ‖(e_x − e_x′)/e_x‖₂ divided by
 * <ul>
 *   <li>RIS: ‖(x − x′)/x‖₂,</li>
 *   <li>ROS: ‖h(x) − h(x′)‖₂ on the logits (not relative),</li>
 *   <li>RRS: ‖(L_x − L_x′)/L_x‖₂ on the representation at the model's deepest layer before its logits (Quantus
 *       concatenates every layer by default; one layer keeps the cost and the memory of a deep model bounded).</li>
 * </ul>
 * Ratios are element-wise on the heat maps, inputs and representations; a zero entry of e_x, x or L_x is divided
 * by ε_min = 10⁻⁶ instead, and a zero denominator becomes ε_min, as Quantus does. Lower is better. The three share
 * one set of copies and re-explanations. As Quantus's default, NaN when any copy changes the clean input's predicted
 * class (the reason gives how many; {@code nan_on_prediction_change = false} scores them all); copies: the run's
 * {@code metrics.robustness_samples} (Quantus 200).
 */
public record RelativeStability(Kind kind, int samples, boolean nanOnChange) implements Metric {
    /** What the explanation's change is measured against. */
    public enum Kind { INPUT, OUTPUT, REPRESENTATION }

    static final double NOISE = 0.02, EPS_MIN = 1e-6;

    @Override
    public MetricInfo info() {
        return new MetricInfo("relative_" + kind.name().toLowerCase(Locale.ROOT) + "_stability", MetricCategory.ROBUSTNESS,
                false, false, Map.of("samples", samples, "perturbation", "uniform", "radius", NOISE, "eps_min", EPS_MIN,
                "nan_on_prediction_change", nanOnChange, "target", "original class", "denominator", switch (kind) {
                    case INPUT -> "||(x - x')/x||";
                    case OUTPUT -> "||logits(x) - logits(x')||";
                    case REPRESENTATION -> "||(L - L')/L|| at the deepest layer before the logits";
                }));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        Sensitivity.UniformNoise noise = new Sensitivity.UniformNoise(NOISE);
        MetricValue changed = PredictionChanges.nanIfChanged(ctx, nanOnChange, noise, samples, i);
        if (changed != null) return changed;
        PerturbedMaps.Maps p = ctx.get(new PerturbedMaps(noise, samples));
        float[] e = ctx.item(i).heatmap();
        double[] denominators = switch (kind) {
            case INPUT -> {
                double[] d = new double[samples];
                for (int s = 0; s < samples; s++) d[s] = relative(ctx.item(i).input(), PerturbedMaps.copy(ctx, noise, i, s));
                yield d;
            }
            case OUTPUT -> ctx.get(new Copies(noise, samples, null)).distances()[i];
            case REPRESENTATION -> ctx.get(new Copies(noise, samples, representationLayer(ctx))).distances()[i];
        };
        double worst = 0;
        for (int s = 0; s < samples; s++) {
            worst = Math.max(worst, relative(e, p.heatmaps()[i][s]) / (denominators[s] == 0 ? EPS_MIN : denominators[s]));
        }
        return MetricValue.of(worst);
    }

    /** The deepest layer a probe reads before the logits (the last one when the model has only one). */
    static String representationLayer(MetricContext ctx) {
        List<String> layers = Architectures.layerNames(ctx.spec());
        return layers.get(Math.max(0, layers.size() - 2));
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
     * Per item and copy, the distance between the clean input's and the copy's logits (layer null: ‖h − h′‖₂) or
     * representations at {@code layer} (‖(L − L′)/L‖₂). Depends on the images only: shared by every method's context.
     */
    record Copies(Sensitivity.UniformNoise noise, int samples, String layer) implements Statistic<Copies.Distances> {
        record Distances(double[][] distances) {}

        @Override
        public boolean methodIndependent() {
            return true;
        }

        @Override
        public Distances compute(MetricContext ctx) {
            int n = ctx.size();
            double[][] out = new double[n][samples];
            if (layer == null) {
                int rows = n * (samples + 1);
                double[][] logits = ctx.logits(rows, (j, buf, off) -> {
                    int i = j / (samples + 1), s = j % (samples + 1) - 1;
                    float[] x = s < 0 ? ctx.item(i).input() : PerturbedMaps.copy(ctx, noise, i, s);
                    System.arraycopy(x, 0, buf, off, x.length);
                });
                for (int i = 0; i < n; i++) {
                    double[] clean = logits[i * (samples + 1)];
                    for (int s = 0; s < samples; s++) {
                        double[] copy = logits[i * (samples + 1) + s + 1];
                        double d = 0;
                        for (int c = 0; c < clean.length; c++) d += (clean[c] - copy[c]) * (clean[c] - copy[c]);
                        out[i][s] = Math.sqrt(d);
                    }
                }
                return new Distances(out);
            }
            try (LayerProbe probe = ctx.model().probe(layer)) {
                for (int i = 0; i < n; i++) {
                    // One image and its copies per probe call: at most samples + 1 representations in memory.
                    List<float[]> inputs = new ArrayList<>(samples + 1);
                    inputs.add(ctx.item(i).input());
                    for (int s = 0; s < samples; s++) inputs.add(PerturbedMaps.copy(ctx, noise, i, s));
                    float[][] f = probe.features(inputs);
                    for (int s = 0; s < samples; s++) out[i][s] = relative(f[0], f[s + 1]);
                }
            }
            return new Distances(out);
        }
    }
}
