package io.noiselens.metrics;

import java.io.Serializable;
import java.util.List;

/**
 * A metric's options as Quantus users know them ({@code metrics.options.<metric>.*}, METHODS-2.md §B.0): the map's
 * {@code normalise} and {@code abs} pre-processing, the {@code perturb_baseline} of perturbation metrics, and
 * {@code nan_on_prediction_change} of robustness metrics. A null field is not set: the metric's default applies.
 */
public record MetricOptions(MapPreprocessing.Normalise normalise, Boolean abs, PerturbBaseline baseline,
                            Boolean nanOnPredictionChange) implements Serializable {
    public static final MetricOptions NONE = new MetricOptions(null, null, null, null);

    /** The option names under {@code metrics.options.<metric>}. */
    public static final List<String> KEYS = List.of("normalise", "abs", "perturb_baseline", "nan_on_prediction_change");

    /** These options with the unset ones taken from {@code defaults}. */
    public MetricOptions over(MetricOptions defaults) {
        return new MetricOptions(normalise != null ? normalise : defaults.normalise, abs != null ? abs : defaults.abs,
                baseline != null ? baseline : defaults.baseline,
                nanOnPredictionChange != null ? nanOnPredictionChange : defaults.nanOnPredictionChange);
    }

    /** The map pre-processing these options ask for (unset: none). */
    public MapPreprocessing preprocessing() {
        return new MapPreprocessing(normalise == null ? MapPreprocessing.Normalise.NONE : normalise,
                abs != null && abs);
    }
}
