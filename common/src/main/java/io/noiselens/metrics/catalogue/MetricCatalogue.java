package io.noiselens.metrics.catalogue;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.GroupMetric;
import io.noiselens.metrics.MapPreprocessing;
import io.noiselens.metrics.MapPreprocessing.Normalise;
import io.noiselens.metrics.MetricOptions;
import io.noiselens.metrics.PerturbBaseline;
import io.noiselens.metrics.Preprocessed;

import io.noiselens.adversarial.ExplanationAttack;
import io.noiselens.adversarial.Pgd;
import io.noiselens.lang.Errors;
import io.noiselens.metrics.adversarial.AdversarialRetrieval;
import io.noiselens.metrics.adversarial.AttackRobustness;
import io.noiselens.metrics.axiomatic.Completeness;
import io.noiselens.metrics.axiomatic.InputInvariance;
import io.noiselens.metrics.axiomatic.NonSensitivity;
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
import io.noiselens.metrics.faithfulness.MonotonicityCorrelation;
import io.noiselens.metrics.faithfulness.PixelFlipping;
import io.noiselens.metrics.faithfulness.RegionPerturbation;
import io.noiselens.metrics.faithfulness.Road;
import io.noiselens.metrics.faithfulness.Selectivity;
import io.noiselens.metrics.faithfulness.Sufficiency;
import io.noiselens.metrics.faithfulness.SensitivityN;
import io.noiselens.metrics.localisation.AttributionLocalisation;
import io.noiselens.metrics.localisation.Focus;
import io.noiselens.metrics.localisation.MaskAuc;
import io.noiselens.metrics.localisation.PointingGame;
import io.noiselens.metrics.localisation.RelevanceMassAccuracy;
import io.noiselens.metrics.localisation.RelevanceRankAccuracy;
import io.noiselens.metrics.localisation.TopKIntersection;
import io.noiselens.metrics.randomisation.EfficientMprt;
import io.noiselens.metrics.randomisation.Mprt;
import io.noiselens.metrics.randomisation.SmoothMprt;
import io.noiselens.metrics.randomisation.RandomLogit;
import io.noiselens.metrics.robustness.Consistency;
import io.noiselens.metrics.robustness.Continuity;
import io.noiselens.metrics.robustness.LocalLipschitzEstimate;
import io.noiselens.metrics.robustness.RelativeStability;
import io.noiselens.metrics.robustness.Sensitivity;
import io.noiselens.metrics.stability.FidelityError;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** The registry of metrics by name, with their default parameters. */
public final class MetricCatalogue {
    /**
     * Settings shared by the metrics of a run — the costs users most often trade against precision — and each
     * metric's options ({@code metrics.options.<metric>}; a metric without an entry keeps its defaults).
     */
    public record Settings(int causalStep, int robustnessSamples, int aupcPatches, Pgd adversarial,
                           int attackIterations, Map<String, MetricOptions> options) implements java.io.Serializable {
        public Settings {
            options = Map.copyOf(options);
        }

        public Settings(int causalStep, int robustnessSamples, int aupcPatches, Pgd adversarial, int attackIterations) {
            this(causalStep, robustnessSamples, aupcPatches, adversarial, attackIterations, Map.of());
        }

        public static Settings defaults() {
            return new Settings(0, 10, Aupc.DEFAULT.patches(), Pgd.lim(0.1), 100);
        }

        /** These settings with {@code metric}'s options replaced. */
        public Settings withOptions(String metric, MetricOptions o) {
            Map<String, MetricOptions> m = new java.util.HashMap<>(options);
            m.put(metric, o);
            return new Settings(causalStep, robustnessSamples, aupcPatches, adversarial, attackIterations, m);
        }
    }

    /** The values a metric can take, bounds included (infinite where unbounded); NaN values carry a reason instead. */
    public record Range(double min, double max) {
        public boolean contains(double v) {
            return v >= min && v <= max;
        }
    }

    /**
     * A registered metric: its range, its default options (a null baseline or NaN option: the metric has none, and
     * setting it is refused), and how to build it from the run's settings and its resolved options.
     */
    private record Entry(Range range, MetricOptions defaults, BiFunction<Settings, MetricOptions, Metric> factory,
                         java.util.function.Function<Settings, GroupMetric> group) {}

    private static final double INF = Double.POSITIVE_INFINITY, NEG_INF = Double.NEGATIVE_INFINITY;
    private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();

    /** No pre-processing, no baseline, no prediction-change option. */
    private static final MetricOptions PLAIN = new MetricOptions(Normalise.NONE, false, null, null);

    private static MetricOptions options(MapPreprocessing p, PerturbBaseline baseline, Boolean nanOnChange) {
        return new MetricOptions(p.normalise(), p.abs(), baseline, nanOnChange);
    }

    private static void add(String name, double min, double max, java.util.function.Function<Settings, Metric> factory) {
        add(name, min, max, PLAIN, (s, o) -> factory.apply(s));
    }

    private static void add(String name, double min, double max, MetricOptions defaults,
                            BiFunction<Settings, MetricOptions, Metric> factory) {
        REGISTRY.put(name, new Entry(new Range(min, max), defaults, factory, null));
    }

    /** A {@link GroupMetric}, scored by the job over groups of maps; its options are the map pre-processing only. */
    private static void addGroup(String name, double min, double max, MapPreprocessing defaults,
                                 java.util.function.Function<Settings, GroupMetric> factory) {
        REGISTRY.put(name, new Entry(new Range(min, max), options(defaults, null, null), null, factory));
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
        addGroup("sufficiency", 0, 1, MapPreprocessing.MAX_ABS, s -> new Sufficiency(Sufficiency.THRESHOLD));
        add("selectivity", 0, 1, options(MapPreprocessing.MAX, PerturbBaseline.BLACK, null),
                (s, o) -> new Selectivity(Selectivity.DEFAULT.patch(), o.baseline()));
        add("infidelity", 0, INF, options(MapPreprocessing.NONE, PerturbBaseline.BLACK, null),
                (s, o) -> new Infidelity(Infidelity.DEFAULT.patch(), o.baseline()));
        add("monotonicity", 0, 1, options(MapPreprocessing.MAX_ABS, PerturbBaseline.BLACK, null),
                (s, o) -> new Monotonicity(s.causalStep(), o.baseline()));
        add("monotonicity_correlation", -1, 1, options(MapPreprocessing.MAX_ABS, PerturbBaseline.UNIFORM, null),
                (s, o) -> new MonotonicityCorrelation(FaithfulnessEstimate.DEFAULT.patch(), s.robustnessSamples(), o.baseline()));
        add("faithfulness_estimate", -1, 1, options(MapPreprocessing.MAX, PerturbBaseline.BLACK, null),
                (s, o) -> new FaithfulnessEstimate(FaithfulnessEstimate.DEFAULT.patch(), o.baseline()));
        add("irof", NEG_INF, 1, options(MapPreprocessing.MAX, PerturbBaseline.MEAN, null),
                (s, o) -> new Irof(Irof.DEFAULT.segments(), o.baseline()));
        add("pointing_game", 0, 1, s -> new PointingGame(0));
        add("pointing_game_weighted", 0, 1, options(MapPreprocessing.MAX, null, null), (s, o) -> new PointingGame(0, true));
        add("focus", 0, 1, options(MapPreprocessing.MAX, null, null), (s, o) -> new Focus());
        add("attribution_localisation", 0, 1, s -> new AttributionLocalisation(false));
        add("attribution_localisation_weighted", 0, 1, s -> new AttributionLocalisation(true));
        add("top_k_intersection", 0, 1, s -> TopKIntersection.DEFAULT);
        add("relevance_mass_accuracy", 0, 1, s -> new RelevanceMassAccuracy());
        add("relevance_rank_accuracy", 0, 1, s -> new RelevanceRankAccuracy());
        add("auc", 0, 1, s -> new MaskAuc());
        add("max_sensitivity", 0, INF, options(MapPreprocessing.NONE, null, false), (s, o) -> new Sensitivity(true,
                s.robustnessSamples(), Sensitivity.DEFAULT_RADIUS, o.nanOnPredictionChange()));
        add("avg_sensitivity", 0, INF, options(MapPreprocessing.NONE, null, false), (s, o) -> new Sensitivity(false,
                s.robustnessSamples(), Sensitivity.DEFAULT_RADIUS, o.nanOnPredictionChange()));
        add("local_lipschitz_estimate", 0, INF, options(MapPreprocessing.NONE, null, false), (s, o) ->
                new LocalLipschitzEstimate(s.robustnessSamples(), LocalLipschitzEstimate.DEFAULT_SIGMA, o.nanOnPredictionChange()));
        add("continuity", 0, INF, options(MapPreprocessing.MAX_ABS, null, false),
                (s, o) -> new Continuity(s.robustnessSamples(), o.nanOnPredictionChange()));
        for (RelativeStability.Kind kind : RelativeStability.Kind.values()) {
            add(new RelativeStability(kind, 1, true).info().name(), 0, INF, options(MapPreprocessing.NONE, null, true),
                    (s, o) -> new RelativeStability(kind, s.robustnessSamples(), o.nanOnPredictionChange()));
        }
        addGroup("consistency", 0, 1, MapPreprocessing.MAX_ABS, s -> new Consistency(FaithfulnessEstimate.DEFAULT.patch()));
        add("random_logit", -1, 1, s -> new RandomLogit());
        for (Mprt.Mode mode : Mprt.Mode.values()) {
            for (Mprt.Measure measure : Mprt.Measure.values()) {
                Metric m = new Mprt(mode, measure);
                add(m.info().name(), -1, 1, s -> new Mprt(mode, measure));
            }
        }
        add("efficient_mprt", -1, INF, s -> new EfficientMprt());
        add("smooth_mprt", -1, 1, options(MapPreprocessing.MAX_ABS, null, null), (s, o) -> new SmoothMprt(s.robustnessSamples()));
        add("completeness", 0, INF, s -> new Completeness(false, Completeness.TOLERANCE));
        add("completeness_holds", 0, 1, s -> new Completeness(true, Completeness.TOLERANCE));
        add("non_sensitivity", 0, INF, options(MapPreprocessing.MAX_ABS, PerturbBaseline.BLACK, null),
                (s, o) -> new NonSensitivity(FaithfulnessEstimate.DEFAULT.patch(), o.baseline()));
        add("input_invariance", 0, 1, s -> new InputInvariance());
        add("fidelity_error", 0, INF, s -> new FidelityError());
        add("adversarial_retrieval", 0, 1, s -> new AdversarialRetrieval(s.adversarial()));
        add("attack_top_k_intersection", 0, 1, s -> new AttackRobustness(
                ExplanationAttack.defaults(s.attackIterations()), AttackRobustness.Measure.TOP_K_INTERSECTION));
        add("attack_spearman", -1, 1, s -> new AttackRobustness(
                ExplanationAttack.defaults(s.attackIterations()), AttackRobustness.Measure.SPEARMAN));
        add("sparseness", 0, 1, s -> new Sparseness());
        add("complexity", 0, INF, s -> new Complexity());
        add("autvc", 0, INF, s -> Autvc.DEFAULT);
        add("effective_complexity", 0, INF, options(MapPreprocessing.MAX_ABS, null, null), (s, o) -> new EffectiveComplexity());
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

    /**
     * README's table of every metric's direction and option defaults ({@code noiselens metrics --markdown}): what a
     * value was computed with when {@code metrics.options} leaves the metric alone. "—": the option does not apply.
     */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| metric | category | better | normalise | abs | perturb_baseline | "
                + "nan_on_prediction_change |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        for (String name : REGISTRY.keySet()) {
            Entry e = REGISTRY.get(name);
            MetricInfo info = e.factory() != null ? e.factory().apply(Settings.defaults(), e.defaults()).info()
                    : e.group().apply(Settings.defaults()).info();
            MetricOptions d = e.defaults();
            out.append("| `").append(name).append("` | ").append(info.category().name().toLowerCase()).append(" | ")
                    .append(info.higherIsBetter() ? "higher" : "lower").append(" | ").append(d.normalise().key())
                    .append(" | ").append(d.abs()).append(" | ").append(d.baseline() == null ? "—" : d.baseline().key())
                    .append(" | ").append(d.nanOnPredictionChange() == null ? "—" : d.nanOnPredictionChange())
                    .append(" |\n");
        }
        return out.toString();
    }

    /** Whether {@code name} is a {@link GroupMetric}, scored by the job over groups of maps. */
    public static boolean isGroup(String name) {
        Entry e = REGISTRY.get(name);
        return e != null && e.group() != null;
    }

    /** Every metric name a run accepts: the per-map and group metrics, then the cross-model ones. */
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

    /**
     * The named per-map metrics (cross-model names are skipped), each with its options resolved over its defaults and
     * wrapped in its map pre-processing; {@code key} names the configuration key in errors.
     */
    public static List<Metric> create(List<String> names, Settings settings, String key) {
        List<Metric> out = new ArrayList<>();
        for (String n : names) {
            if (CROSS_MODEL.containsKey(n)) continue;
            Entry e = REGISTRY.get(n);
            if (e == null) throw Errors.invalidValue(key, n, "Use metric names from " + names() + ".");
            if (e.factory() == null) continue;
            MetricOptions o = settings.options().getOrDefault(n, MetricOptions.NONE).over(e.defaults());
            out.add(new Preprocessed(e.factory().apply(settings, o), o.preprocessing()));
        }
        return List.copyOf(out);
    }

    /** The named {@link GroupMetric}s (other names are skipped), each in its map pre-processing. */
    public static List<GroupMetric> createGroups(List<String> names, Settings settings) {
        List<GroupMetric> out = new ArrayList<>();
        for (String n : names) {
            Entry e = REGISTRY.get(n);
            if (e == null || e.group() == null) continue;
            MetricOptions o = settings.options().getOrDefault(n, MetricOptions.NONE).over(e.defaults());
            out.add(new GroupMetric.Preprocessed(e.group().apply(settings), o.preprocessing()));
        }
        return List.copyOf(out);
    }

    /**
     * Checks user options for metric {@code name} (under {@code key}): the metric exists, and it has a perturbation
     * baseline or a prediction-change option where one is set.
     */
    public static void checkOptions(String name, MetricOptions o, String key) {
        Entry e = REGISTRY.get(name);
        if (e == null) throw Errors.invalidValue(key, name, "Options apply to per-map metrics: " + REGISTRY.keySet() + ".");
        if (o.baseline() != null && e.defaults().baseline() == null) {
            throw Errors.invalidValue(key + ".perturb_baseline", o.baseline().key(), "Metric '" + name
                    + "' removes no features; perturb_baseline applies to " + withOption(d -> d.baseline() != null) + ".");
        }
        if (o.nanOnPredictionChange() != null && e.defaults().nanOnPredictionChange() == null) {
            throw Errors.invalidValue(key + ".nan_on_prediction_change", o.nanOnPredictionChange(), "Metric '" + name
                    + "' perturbs no inputs; nan_on_prediction_change applies to "
                    + withOption(d -> d.nanOnPredictionChange() != null) + ".");
        }
    }

    /** The default options of metric {@code name}. */
    public static MetricOptions defaults(String name) {
        Entry e = REGISTRY.get(name);
        if (e == null) throw Errors.invalidValue("metric", name, "Use per-map metric names from " + REGISTRY.keySet() + ".");
        return e.defaults();
    }

    private static List<String> withOption(java.util.function.Predicate<MetricOptions> has) {
        List<String> out = new ArrayList<>();
        REGISTRY.forEach((n, e) -> {
            if (has.test(e.defaults())) out.add(n);
        });
        return out;
    }
}
