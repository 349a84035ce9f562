package io.noiselens.metrics.complexity;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Arrays;
import java.util.Map;

/**
 * Sparseness as the Gini index of |a| (Chalasani et al., ICML 2020; Quantus {@code Sparseness}): with a sorted
 * ascending, a_i ≥ 0 plus 1e−7, G = Σ_{i=1..d} (2i − d − 1)·a_(i) / (d·Σ a). 0 for a uniform map, (d−1)/d for a
 * one-hot map; higher is sparser.
 */
public final class Sparseness implements Metric {
    @Override
    public MetricInfo info() {
        return new MetricInfo("sparseness", MetricCategory.COMPLEXITY, true, false,
                Map.of("values", "|heat map|", "epsilon", 1e-7, "feature", "pixel"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        float[] h = ctx.item(i).heatmap();
        double[] a = new double[h.length];
        for (int k = 0; k < a.length; k++) a[k] = Math.abs(h[k]) + 1e-7;
        Arrays.sort(a);
        int d = a.length;
        double num = 0, sum = 0;
        for (int k = 0; k < d; k++) {
            num += (2.0 * (k + 1) - d - 1) * a[k];
            sum += a[k];
        }
        return MetricValue.of(num / (d * sum));
    }
}
