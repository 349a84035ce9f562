package io.noiselens.metrics.catalogue;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricInfo;

import io.noiselens.adversarial.ExplanationAttack;
import io.noiselens.adversarial.Pgd;
import io.noiselens.lang.Errors;
import io.noiselens.metrics.adversarial.AdversarialRetrieval;
import io.noiselens.metrics.adversarial.AttackRobustness;
import io.noiselens.metrics.complexity.Autvc;
import io.noiselens.metrics.complexity.Complexity;
import io.noiselens.metrics.complexity.EffectiveComplexity;
import io.noiselens.metrics.complexity.Sparseness;
import io.noiselens.metrics.faithfulness.Aupc;
import io.noiselens.metrics.faithfulness.CausalMetric;
import io.noiselens.metrics.faithfulness.FaithfulnessCorrelation;
import io.noiselens.metrics.faithfulness.FaithfulnessEstimate;
import io.noiselens.metrics.faithfulness.Infidelity;
import io.noiselens.metrics.faithfulness.Irof;
import io.noiselens.metrics.faithfulness.Monotonicity;
import io.noiselens.metrics.faithfulness.PixelFlipping;
import io.noiselens.metrics.faithfulness.RegionPerturbation;
import io.noiselens.metrics.faithfulness.Road;
import io.noiselens.metrics.faithfulness.Selectivity;
import io.noiselens.metrics.faithfulness.SensitivityN;
import io.noiselens.metrics.localisation.AttributionLocalisation;
import io.noiselens.metrics.localisation.MaskAuc;
import io.noiselens.metrics.localisation.PointingGame;
import io.noiselens.metrics.localisation.RelevanceMassAccuracy;
import io.noiselens.metrics.localisation.RelevanceRankAccuracy;
import io.noiselens.metrics.localisation.TopKIntersection;
import io.noiselens.metrics.randomisation.Mprt;
import io.noiselens.metrics.randomisation.RandomLogit;
import io.noiselens.metrics.robustness.Continuity;
import io.noiselens.metrics.robustness.LocalLipschitzEstimate;
import io.noiselens.metrics.robustness.RelativeInputStability;
import io.noiselens.metrics.robustness.Sensitivity;
import io.noiselens.metrics.stability.FidelityError;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of metrics by name, with their default parameters. */
public final class MetricCatalogue {
    /** Settings shared by the metrics of a run: the costs users most often trade against precision. */
    public record Settings(int causalStep, int robustnessSamples, int aupcPatches, Pgd adversarial,
                           int attackIterations) {
        public static Settings defaults() {
            return new Settings(0, 10, Aupc.DEFAULT.patches(), Pgd.lim(0.1), 100);
        }
    }

    /** The values a metric can take, bounds included (infinite where unbounded); NaN values carry a reason instead. */
    public record Range(double min, double max) {
        public boolean contains(double v) {
            return v >= min && v <= max;
        }
    }

    private record Entry(Range range, java.util.function.Function<Settings, Metric> factory) {}

    private static final double INF = Double.POSITIVE_INFINITY, NEG_INF = Double.NEGATIVE_INFINITY;
    private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();

    private static void add(String name, double min, double max, java.util.function.Function<Settings, Metric> factory) {
        REGISTRY.put(name, new Entry(new Range(min, max), factory));
    }

    static {
        add("deletion_auc", 0, 1, s -> new CausalMetric(CausalMetric.Mode.DELETION, s.causalStep()));
        add("insertion_auc", 0, 1, s -> new CausalMetric(CausalMetric.Mode.INSERTION, s.causalStep()));
        add("pixel_flipping", 0, 1, s -> new PixelFlipping(s.causalStep()));
        add("region_perturbation_morf", -1, 1, s -> RegionPerturbation.MORF);
        add("region_perturbation_lerf", -1, 1, s -> RegionPerturbation.LERF);
        add("road_morf", 0, 1, s -> Road.MORF);
        add("road_lerf", 0, 1, s -> Road.LERF);
        add("aupc", NEG_INF, INF, s -> Aupc.DEFAULT.withPatches(s.aupcPatches()));
        add("faithfulness_correlation", -1, 1, s -> FaithfulnessCorrelation.DEFAULT);
        add("sensitivity_n", -1, 1, s -> SensitivityN.DEFAULT);
        add("selectivity", 0, 1, s -> Selectivity.DEFAULT);
        add("infidelity", 0, INF, s -> Infidelity.DEFAULT);
        add("monotonicity", 0, 1, s -> new Monotonicity(s.causalStep()));
        add("faithfulness_estimate", -1, 1, s -> FaithfulnessEstimate.DEFAULT);
        add("irof", NEG_INF, 1, s -> Irof.DEFAULT);
        add("pointing_game", 0, 1, s -> new PointingGame(0));
        add("pointing_game_weighted", 0, 1, s -> new PointingGame(0, true));
        add("attribution_localisation", 0, 1, s -> new AttributionLocalisation(false));
        add("attribution_localisation_weighted", 0, 1, s -> new AttributionLocalisation(true));
        add("top_k_intersection", 0, 1, s -> TopKIntersection.DEFAULT);
        add("relevance_mass_accuracy", 0, 1, s -> new RelevanceMassAccuracy());
        add("relevance_rank_accuracy", 0, 1, s -> new RelevanceRankAccuracy());
        add("auc", 0, 1, s -> new MaskAuc());
        add("max_sensitivity", 0, INF, s -> new Sensitivity(true, s.robustnessSamples(), Sensitivity.DEFAULT_RADIUS));
        add("avg_sensitivity", 0, INF, s -> new Sensitivity(false, s.robustnessSamples(), Sensitivity.DEFAULT_RADIUS));
        add("local_lipschitz_estimate", 0, INF, s -> new LocalLipschitzEstimate(s.robustnessSamples(), LocalLipschitzEstimate.DEFAULT_SIGMA));
        add("continuity", 0, INF, s -> new Continuity(s.robustnessSamples()));
        add("relative_input_stability", 0, INF, s -> new RelativeInputStability(s.robustnessSamples()));
        add("random_logit", -1, 1, s -> new RandomLogit());
        for (Mprt.Mode mode : Mprt.Mode.values()) {
            for (Mprt.Measure measure : Mprt.Measure.values()) {
                Metric m = new Mprt(mode, measure);
                add(m.info().name(), -1, 1, s -> new Mprt(mode, measure));
            }
        }
        add("fidelity_error", 0, INF, s -> new FidelityError());
        add("adversarial_retrieval", 0, 1, s -> new AdversarialRetrieval(s.adversarial()));
        add("attack_top_k_intersection", 0, 1, s -> new AttackRobustness(
                ExplanationAttack.defaults(s.attackIterations()), AttackRobustness.Measure.TOP_K_INTERSECTION));
        add("attack_spearman", -1, 1, s -> new AttackRobustness(
                ExplanationAttack.defaults(s.attackIterations()), AttackRobustness.Measure.SPEARMAN));
        add("sparseness", 0, 1, s -> new Sparseness());
        add("complexity", 0, INF, s -> new Complexity());
        add("autvc", 0, INF, s -> Autvc.DEFAULT);
        add("effective_complexity", 0, INF, s -> new EffectiveComplexity());
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

    private MetricCatalogue() {}

    /** Every metric name a run accepts: the per-map metrics, then the cross-model ones. */
    public static List<String> names() {
        List<String> all = new ArrayList<>(REGISTRY.keySet());
        all.addAll(new java.util.TreeSet<>(CROSS_MODEL.keySet()));
        return List.copyOf(all);
    }

    /** The range of per-map metric {@code name}'s values. */
    public static Range range(String name) {
        Entry e = REGISTRY.get(name);
        if (e == null) throw Errors.invalidValue("metric", name, "Use per-map metric names from " + REGISTRY.keySet() + ".");
        return e.range();
    }

    /** The named per-map metrics (cross-model names are skipped); {@code key} names the configuration key in errors. */
    public static List<Metric> create(List<String> names, Settings settings, String key) {
        List<Metric> out = new ArrayList<>();
        for (String n : names) {
            if (CROSS_MODEL.containsKey(n)) continue;
            Entry e = REGISTRY.get(n);
            if (e == null) throw Errors.invalidValue(key, n, "Use metric names from " + names() + ".");
            out.add(e.factory().apply(settings));
        }
        return out;
    }
}
