package io.noiselens.metrics.localisation;

import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Arrays;
import java.util.Map;

/**
 * ROC AUC of the map as a detector of mask pixels (Fawcett, "An introduction to ROC analysis", 2006; Quantus
 * {@code AUC}), computed exactly as the Mann–Whitney statistic with tied scores counted one half:
 * AUC = (Σ ranks of mask pixels − n₁(n₁+1)/2) / (n₁ n₀), midranks for ties.
 */
public final class MaskAuc extends MaskedMetric {
    @Override
    public MetricInfo info() {
        return new MetricInfo("auc", MetricCategory.LOCALISATION, true, true, Map.of("ties", "midrank"));
    }

    @Override
    MetricValue scoreMasked(MetricContext ctx, int i, boolean[] mask, int inside) {
        float[] h = ctx.item(i).heatmap();
        int n = h.length;
        Integer[] idx = new Integer[n];
        for (int k = 0; k < n; k++) idx[k] = k;
        Arrays.sort(idx, (a, b) -> Float.compare(h[a], h[b]));
        double rankSum = 0;
        for (int start = 0; start < n; ) {
            int end = start;
            while (end + 1 < n && h[idx[end + 1]] == h[idx[start]]) end++;
            double midrank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) if (mask[idx[k]]) rankSum += midrank;
            start = end + 1;
        }
        double n1 = inside, n0 = n - inside;
        return MetricValue.of((rankSum - n1 * (n1 + 1) / 2) / (n1 * n0));
    }
}
