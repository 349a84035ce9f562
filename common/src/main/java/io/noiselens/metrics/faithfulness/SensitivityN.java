package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Arrays;
import java.util.Map;

/**
 * Sensitivity-n as in the paper (Ancona, Ceolini, Öztireli, Gross, "Towards Better Understanding of Gradient-based
 * Attribution Methods for Deep Neural Networks", ICLR 2018), per image: for each subset size n, the Pearson
 * correlation over {@code runs} random pixel subsets S with |S| = n between Σ_{i∈S} R_i and
 * f_c(x) − f_c(x with x_S = 0), on the logit. The curve holds one correlation per n; the score is their mean.
 * Unlike Quantus 0.6.0 it correlates within one image, not across the batch, and uses every batch (METHODS.md §8.1).
 * Higher is better.
 */
public final class SensitivityN implements Metric {
    private final double[] fractions;
    private final int runs;

    /** Eight subset sizes from 1 % to 80 % of the pixels, 30 subsets each. */
    public static final SensitivityN DEFAULT = new SensitivityN(new double[]{0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8}, 30);

    /** @param fractions subset sizes as fractions of the pixels, e.g. 0.01 … 0.8 */
    public SensitivityN(double[] fractions, int runs) {
        this.fractions = fractions.clone();
        this.runs = runs;
    }

    @Override
    public MetricInfo info() {
        return new MetricInfo("sensitivity_n", MetricCategory.FAITHFULNESS, true, false, Map.of("n_fractions",
                Arrays.toString(fractions), "runs", runs, "baseline", "zero", "output", "logit", "similarity", "pearson",
                "score", "mean over n", "feature", "pixel"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        double[] curve = new double[fractions.length];
        double sum = 0;
        int defined = 0;
        for (int k = 0; k < fractions.length; k++) {
            int n = Math.max(1, (int) Math.round(fractions[k] * ctx.pixels()));
            curve[k] = new FaithfulnessCorrelation(runs, n, true).score(ctx, i).value();
            if (!Double.isNaN(curve[k])) {
                sum += curve[k];
                defined++;
            }
        }
        return defined == 0 ? MetricValue.nan("no subset size gave a defined correlation")
                : MetricValue.of(sum / defined, curve);
    }
}
