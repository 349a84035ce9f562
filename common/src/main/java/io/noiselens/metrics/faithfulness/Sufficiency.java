package io.noiselens.metrics.faithfulness;

import io.noiselens.metrics.GroupMetric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Map;

/**
 * Sufficiency (Dasgupta, Frost, Moshkovitz, "Framework for Evaluating Faithfulness of Local Explanations", ICML 2022;
 * Quantus {@code Sufficiency}, METHODS-2.md §B.1): maps close to map i should come with i's prediction. Distances
 * between the flattened maps of a group are standardised Euclidean (each value's variance over the group, sample
 * variance as SciPy's {@code seuclidean}), divided by the group's largest; the neighbours of i are the maps within
 * {@code threshold} (0.6), and the score is the share of neighbours whose predicted class is i's, 0 without
 * neighbours. Higher is better. Values constant over the group are left out of the distance (SciPy divides them by
 * zero, giving NaN for the whole group); a group of one has no neighbours. The group is {@link GroupMetric}'s, not
 * Quantus's batch.
 */
public record Sufficiency(double threshold) implements GroupMetric {
    /** Quantus's neighbourhood radius. */
    public static final double THRESHOLD = 0.6;

    @Override
    public MetricInfo info() {
        return new MetricInfo("sufficiency", MetricCategory.FAITHFULNESS, true, false, Map.of("threshold", threshold,
                "distance", "seuclidean / max, constant values left out", "group", "~" + GROUP_SIZE
                        + " images by hash of (run seed, image id)", "values", "map as emitted"));
    }

    @Override
    public MetricValue[] scores(Group g) {
        int n = g.size(), d = g.maps().get(0).length;
        double[] variance = new double[d];
        if (n > 1) {
            for (int k = 0; k < d; k++) {
                double mean = 0, sq = 0;
                for (float[] m : g.maps()) mean += m[k];
                mean /= n;
                for (float[] m : g.maps()) sq += (m[k] - mean) * (m[k] - mean);
                variance[k] = sq / (n - 1);
            }
        }
        double[][] dist = new double[n][n];
        double max = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                float[] a = g.maps().get(i), b = g.maps().get(j);
                double s = 0;
                for (int k = 0; k < d; k++) if (variance[k] > 0) s += (a[k] - b[k]) * (double) (a[k] - b[k]) / variance[k];
                dist[i][j] = dist[j][i] = Math.sqrt(s);
                max = Math.max(max, dist[i][j]);
            }
        }
        MetricValue[] out = new MetricValue[n];
        for (int i = 0; i < n; i++) {
            int neighbours = 0, same = 0;
            for (int j = 0; j < n; j++) {
                if (j == i || (max > 0 ? dist[i][j] / max : 0) > threshold) continue;
                neighbours++;
                if (g.predicted()[j] == g.predicted()[i]) same++;
            }
            out[i] = MetricValue.of(neighbours == 0 ? 0 : (double) same / neighbours);
        }
        return out;
    }
}
