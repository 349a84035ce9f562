package io.noiselens.metrics;

import io.noiselens.config.Errors;
import io.noiselens.metrics.complexity.Complexity;
import io.noiselens.metrics.complexity.Sparseness;
import io.noiselens.metrics.faithfulness.CausalMetric;
import io.noiselens.metrics.localisation.AttributionLocalisation;
import io.noiselens.metrics.localisation.MaskAuc;
import io.noiselens.metrics.localisation.PointingGame;
import io.noiselens.metrics.localisation.RelevanceMassAccuracy;
import io.noiselens.metrics.localisation.RelevanceRankAccuracy;
import io.noiselens.metrics.localisation.TopKIntersection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The registry of metrics by name, with their default parameters. */
public final class Metrics {
    private static final Map<String, Supplier<Metric>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("deletion_auc", () -> new CausalMetric(CausalMetric.Mode.DELETION, 0));
        REGISTRY.put("insertion_auc", () -> new CausalMetric(CausalMetric.Mode.INSERTION, 0));
        REGISTRY.put("pointing_game", () -> new PointingGame(0));
        REGISTRY.put("attribution_localisation", () -> new AttributionLocalisation(false));
        REGISTRY.put("attribution_localisation_weighted", () -> new AttributionLocalisation(true));
        REGISTRY.put("top_k_intersection", () -> new TopKIntersection(1000));
        REGISTRY.put("relevance_mass_accuracy", RelevanceMassAccuracy::new);
        REGISTRY.put("relevance_rank_accuracy", RelevanceRankAccuracy::new);
        REGISTRY.put("auc", MaskAuc::new);
        REGISTRY.put("sparseness", Sparseness::new);
        REGISTRY.put("complexity", Complexity::new);
    }

    private Metrics() {}

    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /** The named metrics; {@code key} names the configuration key in errors. */
    public static List<Metric> create(List<String> names, String key) {
        List<Metric> out = new ArrayList<>();
        for (String n : names) {
            Supplier<Metric> s = REGISTRY.get(n);
            if (s == null) throw Errors.invalidValue(key, n, "Use metric names from " + names() + ".");
            out.add(s.get());
        }
        return out;
    }
}
