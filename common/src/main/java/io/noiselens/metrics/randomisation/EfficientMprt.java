package io.noiselens.metrics.randomisation;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.VariantMaps;
import io.noiselens.model.ModelWeights;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Efficient MPRT (Hedström, Weber, Lapuschkin, Höhne, "Sanity Checks Revisited: An Exploration to Repair the Model
 * Parameter Randomisation Test", XAI in Action workshop, NeurIPS 2023; Quantus {@code EfficientMPRT}, METHODS-2.md
 * §B.5): eMPRT = (H(e_rand) − H(e)) / H(e), where e is the map as the method emits it, e_rand its map on the fully
 * randomised model (every layer reset as {@link Mprt} does, in one step: Quantus's {@code skip_layers}), and H the
 * discrete entropy (natural log) of the map's values in a 100-bin histogram over their own range ({@code
 * np.histogram} + {@code scipy.stats.entropy}). Higher is better: a map that reflects the model grows more complex
 * when the model's parameters no longer mean anything. NaN when the map is constant (H(e) = 0). The randomised
 * maps are those of MPRT's last cascading step, computed once when both run.
 */
public final class EfficientMprt implements Metric {
    /** Quantus's histogram bins. */
    static final int BINS = 100;

    @Override
    public MetricInfo info() {
        return new MetricInfo("efficient_mprt", MetricCategory.RANDOMISATION, true, false, Map.of("randomisation",
                "every layer at once, reset_parameters", "complexity", "discrete entropy, natural log", "bins", BINS,
                "values", "map as emitted"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        ModelWeights clean = ctx.weights();
        List<String> layers = Mprt.layersTopDown(clean);
        if (layers.isEmpty()) return MetricValue.nan("the model has no trainable layers");
        double before = entropy(ctx.item(i).map(), BINS);
        if (before == 0) return MetricValue.nan("the map is constant: its entropy is 0");
        float[][] maps = ctx.get(new VariantMaps(Mprt.variant(ctx, "mprt/" + Mprt.Mode.CASCADING + "/" + (layers.size() - 1),
                Set.copyOf(layers))));
        double after = entropy(maps[i], BINS);
        return MetricValue.of((after - before) / before, new double[]{before, after});
    }

    /**
     * The entropy of {@code values}' histogram in {@code bins} equal bins over [min, max], the last bin closed (NumPy's
     * {@code histogram}; equal values fall into one bin), with p log p = 0 for empty bins.
     */
    static double entropy(float[] values, int bins) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (!(max > min)) return 0;
        long[] counts = new long[bins];
        double width = ((double) max - min) / bins;
        for (float v : values) counts[Math.min(bins - 1, (int) (((double) v - min) / width))]++;
        double h = 0;
        for (long c : counts) {
            if (c == 0) continue;
            double p = (double) c / values.length;
            h -= p * Math.log(p);
        }
        return h;
    }
}
