package io.noiselens.metrics.robustness;

import io.noiselens.metrics.GroupMetric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.Map;

/**
 * Consistency (Dasgupta, Frost, Moshkovitz, ICML 2022; Quantus {@code Consistency}, METHODS-2.md §B.2): maps given
 * the same discrete explanation should come with the same prediction. The explanation of a map is the
 * {@code patch}×{@code patch} block holding its largest attribution sum (ties: the first in raster order), and the
 * score of map i is |{j ≠ i: same block, same predicted class}| / (|{j ≠ i: same block}| + 10⁻⁹) within its group.
 * Higher is better. Quantus labels a map by the signs of its first five values in flattened order (with its default
 * {@code abs}, nearly every map gets the same label), which says nothing about the explanation; the block is said
 * here and recorded.
 */
public record Consistency(int patch) implements GroupMetric {
    @Override
    public MetricInfo info() {
        return new MetricInfo("consistency", MetricCategory.ROBUSTNESS, true, false, Map.of("discretisation",
                "the " + patch + "x" + patch + " block with the largest attribution sum", "group", "~" + GROUP_SIZE
                        + " images by hash of (run seed, image id)"));
    }

    @Override
    public MetricValue[] scores(Group g) {
        int n = g.size();
        int[] label = new int[n];
        for (int i = 0; i < n; i++) label[i] = topBlock(g.heatmap(i), g.height(), g.width());
        MetricValue[] out = new MetricValue[n];
        for (int i = 0; i < n; i++) {
            int sameLabel = 0, both = 0;
            for (int j = 0; j < n; j++) {
                if (j == i || label[j] != label[i]) continue;
                sameLabel++;
                if (g.predicted()[j] == g.predicted()[i]) both++;
            }
            out[i] = MetricValue.of(both / (sameLabel + 1e-9));
        }
        return out;
    }

    /** The raster index of the block with the largest sum. */
    int topBlock(float[] heat, int height, int width) {
        int cols = (width + patch - 1) / patch, rows = (height + patch - 1) / patch;
        double[] sums = new double[rows * cols];
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) sums[y / patch * cols + x / patch] += heat[y * width + x];
        int best = 0;
        for (int b = 1; b < sums.length; b++) if (sums[b] > sums[best]) best = b;
        return best;
    }
}
