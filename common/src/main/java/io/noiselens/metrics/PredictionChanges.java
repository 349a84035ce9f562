package io.noiselens.metrics;

/**
 * Per item, how many of its perturbed copies (those {@link PerturbedMaps} re-explains) the model classifies otherwise
 * than the clean input — Quantus's {@code return_nan_when_prediction_changes} (METHODS-2.md §B.0). Depends on the
 * images only, so every method scored on the batch shares one computation.
 */
public record PredictionChanges(InputPerturbation perturbation, int samples) implements Statistic<int[]> {
    /**
     * NaN with the count when {@code nanOnChange} is set and any copy of item i changes the predicted class, else null
     * (score the item).
     */
    public static MetricValue nanIfChanged(MetricContext ctx, boolean nanOnChange, InputPerturbation perturbation,
                                           int samples, int i) {
        if (!nanOnChange) return null;
        int changed = ctx.get(new PredictionChanges(perturbation, samples))[i];
        return changed == 0 ? null : MetricValue.nan(changed + " of " + samples
                + " perturbed copies change the predicted class (nan_on_prediction_change = true)");
    }

    @Override
    public boolean methodIndependent() {
        return true;
    }

    @Override
    public int[] compute(MetricContext ctx) {
        // Rows [0, n): the clean inputs; then each item's copies.
        int n = ctx.size(), rows = n + n * samples;
        int[] targets = new int[rows];
        for (int j = 0; j < rows; j++) targets[j] = ctx.item(j < n ? j : (j - n) / samples).target();
        int[] argmax = ctx.evaluate(rows, (j, buf, off) -> {
            float[] xp = j < n ? ctx.item(j).input() : PerturbedMaps.copy(ctx, perturbation, (j - n) / samples, (j - n) % samples);
            System.arraycopy(xp, 0, buf, off, xp.length);
        }, targets).argmax();
        int[] out = new int[n];
        for (int j = n; j < rows; j++) if (argmax[j] != argmax[(j - n) / samples]) out[(j - n) / samples]++;
        return out;
    }
}
