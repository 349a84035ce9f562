package io.noiselens.metrics;

import java.util.Map;

/**
 * What a metric is: its name in the {@code metrics} table, category, score direction, whether it needs a
 * ground-truth mask, and every parameter with defaults explicit (stored as {@code params}).
 */
public record MetricInfo(String name, MetricCategory category, boolean higherIsBetter, boolean needsMask,
                         Map<String, Object> params) {
    public MetricInfo {
        params = Map.copyOf(params);
    }
}
