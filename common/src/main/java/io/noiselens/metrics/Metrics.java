package io.noiselens.metrics;

import io.noiselens.adversarial.ExplanationAttack;
import io.noiselens.adversarial.Pgd;
import io.noiselens.lang.Errors;
import io.noiselens.metrics.adversarial.AdversarialRetrieval;
import io.noiselens.metrics.adversarial.AttackRobustness;
import io.noiselens.metrics.complexity.Autvc;
import io.noiselens.metrics.complexity.Complexity;
import io.noiselens.metrics.complexity.Sparseness;
import io.noiselens.metrics.faithfulness.Aupc;
import io.noiselens.metrics.faithfulness.CausalMetric;
import io.noiselens.metrics.faithfulness.FaithfulnessCorrelation;
import io.noiselens.metrics.faithfulness.PixelFlipping;
import io.noiselens.metrics.faithfulness.RegionPerturbation;
import io.noiselens.metrics.faithfulness.Road;
import io.noiselens.metrics.faithfulness.SensitivityN;
import io.noiselens.metrics.localisation.AttributionLocalisation;
import io.noiselens.metrics.localisation.MaskAuc;
import io.noiselens.metrics.localisation.PointingGame;
import io.noiselens.metrics.localisation.RelevanceMassAccuracy;
import io.noiselens.metrics.localisation.RelevanceRankAccuracy;
import io.noiselens.metrics.localisation.TopKIntersection;
import io.noiselens.metrics.randomisation.Mprt;
import io.noiselens.metrics.randomisation.RandomLogit;
import io.noiselens.metrics.robustness.LocalLipschitzEstimate;
import io.noiselens.metrics.robustness.Sensitivity;
import io.noiselens.metrics.stability.FidelityError;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of metrics by name, with their default parameters. */
public final class Metrics {
    /** Settings shared by the metrics of a run: the costs users most often trade against precision. */
    public record Settings(int causalStep, int robustnessSamples, int aupcPatches, Pgd adversarial,
                           int attackIterations) {
        public static Settings defaults() {
            return new Settings(0, 10, 50, Pgd.lim(0.1), 100);
        }
    }

    private static final Map<String, java.util.function.Function<Settings, Metric>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("deletion_auc", s -> new CausalMetric(CausalMetric.Mode.DELETION, s.causalStep()));
        REGISTRY.put("insertion_auc", s -> new CausalMetric(CausalMetric.Mode.INSERTION, s.causalStep()));
        REGISTRY.put("pixel_flipping", s -> new PixelFlipping(s.causalStep()));
        REGISTRY.put("region_perturbation_morf", s -> new RegionPerturbation(true, 8, 100));
        REGISTRY.put("region_perturbation_lerf", s -> new RegionPerturbation(false, 8, 100));
        REGISTRY.put("road_morf", s -> new Road(true, Road.defaultPercentages(), 0.01));
        REGISTRY.put("road_lerf", s -> new Road(false, Road.defaultPercentages(), 0.01));
        REGISTRY.put("aupc", s -> new Aupc(15, 30, s.aupcPatches()));
        REGISTRY.put("faithfulness_correlation", s -> new FaithfulnessCorrelation(100, 224));
        REGISTRY.put("sensitivity_n", s -> new SensitivityN(new double[]{0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8}, 30));
        REGISTRY.put("pointing_game", s -> new PointingGame(0));
        REGISTRY.put("attribution_localisation", s -> new AttributionLocalisation(false));
        REGISTRY.put("attribution_localisation_weighted", s -> new AttributionLocalisation(true));
        REGISTRY.put("top_k_intersection", s -> new TopKIntersection(1000));
        REGISTRY.put("relevance_mass_accuracy", s -> new RelevanceMassAccuracy());
        REGISTRY.put("relevance_rank_accuracy", s -> new RelevanceRankAccuracy());
        REGISTRY.put("auc", s -> new MaskAuc());
        REGISTRY.put("max_sensitivity", s -> new Sensitivity(true, s.robustnessSamples(), 0.2));
        REGISTRY.put("avg_sensitivity", s -> new Sensitivity(false, s.robustnessSamples(), 0.2));
        REGISTRY.put("local_lipschitz_estimate", s -> new LocalLipschitzEstimate(s.robustnessSamples(), 0.1));
        REGISTRY.put("random_logit", s -> new RandomLogit());
        for (Mprt.Mode mode : Mprt.Mode.values()) {
            for (Mprt.Measure measure : Mprt.Measure.values()) {
                Metric m = new Mprt(mode, measure);
                REGISTRY.put(m.info().name(), s -> new Mprt(mode, measure));
            }
        }
        REGISTRY.put("fidelity_error", s -> new FidelityError());
        REGISTRY.put("adversarial_retrieval", s -> new AdversarialRetrieval(s.adversarial()));
        REGISTRY.put("attack_top_k_intersection", s -> new AttackRobustness(
                ExplanationAttack.defaults(s.attackIterations()), AttackRobustness.Measure.TOP_K_INTERSECTION));
        REGISTRY.put("attack_spearman", s -> new AttackRobustness(
                ExplanationAttack.defaults(s.attackIterations()), AttackRobustness.Measure.SPEARMAN));
        REGISTRY.put("sparseness", s -> new Sparseness());
        REGISTRY.put("complexity", s -> new Complexity());
        REGISTRY.put("autvc", s -> new Autvc(1.5, 30));
    }

    /**
     * Metrics of one image across the run's models rather than of one map: the job computes them with a Spark SQL
     * join of the {@code attributions} table on (image, method) over model pairs (Ye and Farnia's stability error,
     * METHODS.md §7: ‖S_a(x) − S_b(x)‖₂ of the raw maps, and the same for maps divided by their own L2 norm).
     */
    public static final Map<String, MetricInfo> CROSS_MODEL = Map.of(
            "stability_error", new MetricInfo("stability_error", MetricCategory.STABILITY, false, false,
                    Map.of("norm", "l2", "values", "raw map (C×H×W as emitted)", "pairs", "every pair of the run's models")),
            "stability_error_normalised", new MetricInfo("stability_error_normalised", MetricCategory.STABILITY, false,
                    false, Map.of("norm", "l2", "values", "raw map / its own l2 norm", "pairs", "every pair of the run's models")));

    private Metrics() {}

    /** Every metric name a run accepts: the per-map metrics, then the cross-model ones. */
    public static List<String> names() {
        List<String> all = new ArrayList<>(REGISTRY.keySet());
        all.addAll(new java.util.TreeSet<>(CROSS_MODEL.keySet()));
        return List.copyOf(all);
    }

    /** The named per-map metrics (cross-model names are skipped); {@code key} names the configuration key in errors. */
    public static List<Metric> create(List<String> names, Settings settings, String key) {
        List<Metric> out = new ArrayList<>();
        for (String n : names) {
            if (CROSS_MODEL.containsKey(n)) continue;
            java.util.function.Function<Settings, Metric> f = REGISTRY.get(n);
            if (f == null) throw Errors.invalidValue(key, n, "Use metric names from " + names() + ".");
            out.add(f.apply(settings));
        }
        return out;
    }
}
