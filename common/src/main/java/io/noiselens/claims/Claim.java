package io.noiselens.claims;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.noiselens.config.JobConfig;
import io.noiselens.config.JobConfigLoader;
import io.noiselens.lang.Errors;
import io.noiselens.metrics.catalogue.MetricCatalogue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One of the seeds' claims as its file under {@code conf/claims/} states it: the paper and the claim, the paired
 * comparisons that decide it, and the experiment — an ordinary job configuration ({@code full} scale), with the keys
 * of its {@code small} block replacing those for {@code --scale small}. A comparison's {@code method} or
 * {@code baseline} may contain {@code {sigma_w}}: the weight-noise level chosen by the NoiseGrad paper's accuracy-drop
 * heuristic (the claim then sets {@code noise_level = true}).
 *
 * <pre>
 * claim {
 *   paper = "Bykov et al., NoiseGrad (AAAI 2022)"
 *   statement = "NoiseGrad beats Gradient on localisation"
 *   comparisons = [{name = "...", metric = pointing_game, method = noisegrad, baseline = gradient, expected = better}]
 * }
 * small { dataset.builtin.images = 32 }
 * methods = [...]
 * </pre>
 */
public record Claim(String id, String paper, String statement, boolean noiseLevel, List<Comparison> comparisons,
                    JobConfig job) {
    /** The scales a claim runs at. */
    public static final List<String> SCALES = List.of("small", "full");
    /** The placeholder for the heuristic's weight-noise level in method ids. */
    public static final String SIGMA_W = "{sigma_w}";

    /** One paired comparison: {@code method} against {@code baseline} on {@code metric}, image by image. */
    public record Comparison(String name, String metric, String method, String baseline, Verdict.Expected expected,
                             double margin) {}

    private static final Set<String> CLAIM_KEYS = Set.of("paper", "statement", "comparisons", "noise_level");
    private static final Set<String> COMPARISON_KEYS = Set.of("name", "metric", "method", "baseline", "expected", "margin");

    /**
     * Claim {@code id} from the HOCON text of its file at {@code scale}, with {@code overrides} ({@code key=value},
     * as {@code --set}) applied last; {@code run.id} defaults to {@code claims-<id>-<scale>}.
     */
    public static Claim parse(String id, String hocon, String scale, List<String> overrides) {
        String where = "claims/" + id + ".conf";
        if (!SCALES.contains(scale)) throw Errors.invalidValue("--scale", scale, "Use one of " + SCALES + ".");
        Config file;
        try {
            file = ConfigFactory.parseString(hocon);
        } catch (ConfigException e) {
            throw Errors.badConfigFile(java.nio.file.Path.of(where), e.getMessage());
        }
        if (!file.hasPath("claim")) throw Errors.missingKey(where + ": claim", "Describe the claim: claim { paper, statement, comparisons }.");
        Config c = file.getConfig("claim");
        for (String k : c.root().keySet()) if (!CLAIM_KEYS.contains(k)) throw Errors.unknownKey(where + ": claim." + k, CLAIM_KEYS);
        List<Comparison> comparisons = new ArrayList<>();
        List<? extends Config> list = c.getConfigList("comparisons");
        for (int i = 0; i < list.size(); i++) comparisons.add(comparison(list.get(i), where + ": claim.comparisons[" + i + "]"));
        boolean noiseLevel = c.hasPath("noise_level") && c.getBoolean("noise_level");
        Config job = file.withoutPath("claim").withoutPath("small");
        if (scale.equals("small") && file.hasPath("small")) job = file.getConfig("small").withFallback(job);
        if (!job.hasPath("run.id")) job = job.withValue("run.id", com.typesafe.config.ConfigValueFactory.fromAnyRef("claims-" + id + "-" + scale));
        JobConfig cfg = JobConfigLoader.fromString(job.root().render(ConfigRenderOptions.concise()), overrides);
        List<String> ids = cfg.methods().stream().map(m -> m.id()).toList();
        for (int i = 0; i < comparisons.size(); i++) {
            Comparison k = comparisons.get(i);
            for (String m : List.of(k.method(), k.baseline())) {
                boolean swept = m.contains(SIGMA_W);
                String prefix = m.replace(SIGMA_W, "");
                if (swept ? ids.stream().noneMatch(x -> x.startsWith(prefix)) : !ids.contains(m)) {
                    throw Errors.invalidValue(where + ": claim.comparisons[" + i + "]", m, "The experiment has no such "
                            + "method; its methods are " + ids + ".");
                }
            }
        }
        return new Claim(id, c.getString("paper"), c.getString("statement"), noiseLevel, List.copyOf(comparisons), cfg);
    }

    private static Comparison comparison(Config k, String where) {
        for (String key : k.root().keySet()) if (!COMPARISON_KEYS.contains(key)) throw Errors.unknownKey(where + "." + key, COMPARISON_KEYS);
        for (String key : List.of("name", "metric", "method", "baseline", "expected")) {
            if (!k.hasPath(key)) throw Errors.missingKey(where + "." + key, "A comparison names its metric, method, baseline "
                    + "and expected outcome (better, worse or no_worse).");
        }
        String metric = k.getString("metric");
        if (!MetricCatalogue.names().contains(metric) && !MetricCatalogue.CROSS_MODEL.containsKey(metric)) {
            throw Errors.invalidValue(where + ".metric", metric, "Use a metric name: " + MetricCatalogue.names());
        }
        Verdict.Expected expected;
        try {
            expected = Verdict.Expected.of(k.getString("expected"));
        } catch (IllegalArgumentException e) {
            throw Errors.invalidValue(where + ".expected", k.getString("expected"), "Use better, worse or no_worse.");
        }
        double margin = k.hasPath("margin") ? k.getDouble("margin") : 0;
        return new Comparison(k.getString("name"), metric, k.getString("method"), k.getString("baseline"), expected, margin);
    }

    /** The id of a comparison's method with the chosen weight-noise level (its id label) in place of the placeholder. */
    public static String resolve(String method, String sigmaWLabel) {
        return method.replace(SIGMA_W, sigmaWLabel == null ? "" : sigmaWLabel);
    }

    /** A σ as the configuration's sweep labels it in method ids ({@code 0.1} → {@code 0.1}, {@code 1.0} → {@code 1}). */
    public static String label(double sigma) {
        return new java.math.BigDecimal(Double.toString(sigma)).stripTrailingZeros().toPlainString().toLowerCase(Locale.ROOT);
    }
}
