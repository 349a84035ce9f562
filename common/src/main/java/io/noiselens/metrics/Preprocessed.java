package io.noiselens.metrics;

import java.util.HashMap;
import java.util.Map;

/**
 * A metric scoring maps after a {@link MapPreprocessing} (composition, as a noise plan wraps a base explainer): it
 * reads the batch through {@link MetricContext#preprocessed}, so metrics with the same options share one processed
 * batch and its statistics, and it records {@code normalise} and {@code abs} with every value.
 */
public record Preprocessed(Metric base, MapPreprocessing preprocessing) implements Metric {
    @Override
    public MetricInfo info() {
        return withParams(base.info(), preprocessing);
    }

    /** {@code info} with the pre-processing's options added to its parameters (a metric may not record its own). */
    static MetricInfo withParams(MetricInfo info, MapPreprocessing preprocessing) {
        Map<String, Object> params = new HashMap<>(info.params());
        for (Map.Entry<String, Object> e : preprocessing.params().entrySet()) {
            if (params.put(e.getKey(), e.getValue()) != null) {
                throw new IllegalStateException(info.name() + " records its own '" + e.getKey()
                        + "': pre-processing options are recorded by Preprocessed");
            }
        }
        return new MetricInfo(info.name(), info.category(), info.higherIsBetter(), info.needsMask(), params);
    }

    @Override
    public MetricValue score(MetricContext context, int i) {
        return base.score(context.preprocessed(preprocessing), i);
    }
}
