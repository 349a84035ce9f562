package io.noiselens.methods;

import io.noiselens.attribution.AbsMode;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.ChannelReduction;
import io.noiselens.lang.ConfigKey;
import io.noiselens.lang.Errors;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static io.noiselens.lang.ConfigKey.Type.*;

/**
 * Every attribution method family NoiseLens offers, and the one path from key values to a method: the job
 * configuration's {@code methods} entries and programmatic callers both go through {@link #spec}, which refuses keys
 * the family does not declare, checks types and bounds, fills the family's defaults and runs its cross-key rules.
 */
public final class MethodCatalogue {
    private static final List<MethodFamily> FAMILIES;

    static {
        List<MethodFamily> all = new ArrayList<>(Bases.GRADIENT);
        all.addAll(List.of(NoiseTunnelMethod.SMOOTHGRAD, NoiseTunnelMethod.SMOOTHGRAD_SQ, NoiseTunnelMethod.VARGRAD,
                NoiseTunnelMethod.NOISEGRAD, NoiseTunnelMethod.FUSIONGRAD, new SmoothTaylorMethod(), new RelExMethod(),
                new DanceMethod()));
        for (MethodFamily f : Bases.ALL) if (!all.contains(f)) all.add(f);
        FAMILIES = List.copyOf(all);
    }

    /** Keys every family reads: which family, the map's name, and the conventions every map carries (METHODS.md §1). */
    public static final List<ConfigKey> COMMON_KEYS = List.of(
            ConfigKey.oneOf("kind", null, "Method family.", kinds().toArray(String[]::new)),
            ConfigKey.of("id", STRING, null, "Name in the 'method' column; default: the kind."),
            ConfigKey.oneOf("output", "logit", "Explained output.", "logit", "probability", "log_probability"),
            ConfigKey.oneOf("target", "predicted", "Explained class.", "predicted", "label"),
            ConfigKey.oneOf("abs", "none", "Where abs is taken.", Keys.names(AbsMode.values())),
            ConfigKey.oneOf("channel_reduction", "sum", "Channel reduction of the map.",
                    Keys.names(ChannelReduction.values())));

    private MethodCatalogue() {}

    /** The families, in the order README and {@code --help} list them. */
    public static List<MethodFamily> families() {
        return FAMILIES;
    }

    public static List<String> kinds() {
        return families().stream().map(MethodFamily::kind).toList();
    }

    public static MethodFamily family(String kind) {
        for (MethodFamily f : families()) if (f.kind().equals(kind)) return f;
        throw Errors.invalidValue("kind", kind, "Use one of " + kinds() + ".");
    }

    /** Every key some family reads, the common ones first. */
    public static Set<String> allKeys() {
        Set<String> all = new LinkedHashSet<>();
        for (ConfigKey k : COMMON_KEYS) all.add(k.path());
        for (MethodFamily f : families()) for (ConfigKey k : f.keys()) all.add(k.path());
        return all;
    }

    /**
     * The validated method of {@code raw} key values (numbers, strings) as a configuration entry gives them;
     * {@code where} names the entry in errors, e.g. {@code methods[2]}.
     */
    public static MethodSpec spec(Map<String, Object> raw, String where) {
        Object kindValue = raw.get("kind");
        if (kindValue == null) throw Errors.missingKey(where + ".kind", "Set kind to one of " + kinds() + ".");
        String kind = kindValue.toString();
        if (!kinds().contains(kind)) throw Errors.invalidValue(where + ".kind", kind, "Use one of " + kinds() + ".");
        MethodFamily family = family(kind);
        Map<String, ConfigKey> keys = new LinkedHashMap<>();
        for (ConfigKey k : COMMON_KEYS) keys.put(k.path(), k);
        for (ConfigKey k : family.keys()) keys.put(k.path(), k);
        for (String key : raw.keySet()) {
            if (keys.containsKey(key)) continue;
            if (!allKeys().contains(key)) throw Errors.unknownKey(where + "." + key, allKeys());
            List<String> bases = Bases.taking(key);
            throw Errors.invalidValue(where + "." + key, raw.get(key), "'" + key + "' does not apply to kind " + kind
                    + "; remove it" + (bases.isEmpty() ? "" : " or use kind " + bases + " (alone, or as the base of "
                    + "a kind that takes one)") + ". Kind " + kind + " reads " + familyKeys(family) + ".");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey k : keys.values()) {
            values.put(k.path(), raw.containsKey(k.path()) ? value(k, raw.get(k.path()), where) : k.defaultValue());
        }
        values.put("id", raw.containsKey("id") ? values.get("id") : kind);
        MethodSpec spec = new MethodSpec(kind, Collections.unmodifiableMap(values),
                Collections.unmodifiableSet(new TreeSet<>(raw.keySet())));
        family.validate(spec, where);
        try {
            spec.build();
        } catch (IllegalArgumentException e) {
            // A plan the family's keys allow one by one but not together (adaptive sampling of a variance, say).
            boolean tolerance = raw.containsKey("tolerance");
            throw Errors.invalidValue(tolerance ? where + ".tolerance" : where, tolerance ? raw.get("tolerance") : kind,
                    e.getMessage() + ".");
        }
        return spec;
    }

    /** A method from alternating key names and values, e.g. {@code method("smoothgrad", "samples", 8)}. */
    public static AttributionMethod method(String kind, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw Errors.invalidValue(kind, java.util.Arrays.toString(keyValues), "Give key names and values alternately.");
        }
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("kind", kind);
        for (int i = 0; i < keyValues.length; i += 2) raw.put((String) keyValues[i], keyValues[i + 1]);
        return spec(raw, "method").build();
    }

    private static String familyKeys(MethodFamily f) {
        List<String> names = new ArrayList<>();
        for (ConfigKey k : COMMON_KEYS) names.add(k.path());
        for (ConfigKey k : f.keys()) names.add(k.path());
        return names.toString();
    }

    /** One value checked against its key's declaration. */
    private static Object value(ConfigKey k, Object v, String where) {
        String name = where + "." + k.path();
        Object out = switch (k.type()) {
            case INT -> whole(v, name);
            case DOUBLE -> real(v, name);
            case ENUM -> {
                if (v instanceof Map || v instanceof List || !k.allowed().contains(v.toString())) {
                    throw Errors.invalidValue(name, v, "Use one of " + k.allowed() + ".");
                }
                yield v.toString();
            }
            default -> {
                if (v instanceof Map || v instanceof List) throw Errors.wrongType(name, v, "a string");
                yield v.toString();
            }
        };
        if (k.min() != null && ((Number) out).doubleValue() < k.min()) {
            String bound = k.type() == INT ? String.valueOf(k.min().intValue()) : BigDecimal.valueOf(k.min())
                    .stripTrailingZeros().toPlainString();
            throw Errors.invalidValue(name, out, k.type() == INT ? "It must be ≥ " + bound + "."
                    : "It must be a finite number ≥ " + bound + ".");
        }
        return out;
    }

    /** An integer: a fraction (1.5) is refused, not truncated. */
    private static Integer whole(Object v, String name) {
        try {
            if (v instanceof Number || v instanceof String) {
                BigDecimal d = new BigDecimal(v.toString().trim());
                if (d.stripTrailingZeros().scale() <= 0) return d.intValueExact();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // refused below
        }
        throw Errors.wrongType(name, v, "an integer");
    }

    private static Double real(Object v, String name) {
        try {
            if (v instanceof Number || v instanceof String) {
                double d = Double.parseDouble(v.toString().trim());
                if (Double.isFinite(d)) return d;
                throw Errors.invalidValue(name, v, "It must be a finite number.");
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw Errors.wrongType(name, v, "a number");
    }

    /** README's method table: one row per family with its summary and keys (defaults in parentheses). */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| kind | what it computes | keys (default first) |\n| --- | --- | --- |\n");
        for (MethodFamily f : families()) {
            List<String> keys = new ArrayList<>();
            for (ConfigKey k : ownKeys(f)) {
                keys.add(k == Keys.BASE || k == Keys.GRADIENT_BASE ? keyWithDefault(k) + " (and the chosen base's keys)"
                        : keyWithDefault(k));
            }
            out.append("| `").append(f.kind()).append("` | ").append(f.summary()).append(" | ")
                    .append(keys.isEmpty() ? "—" : String.join(", ", keys)).append(" |\n");
        }
        out.append("\nEvery kind also reads ").append(COMMON_KEYS.stream().skip(1).map(MethodCatalogue::keyWithDefault)
                .collect(Collectors.joining(", "))).append(". Every value, defaults included, is stored with each map in "
                + "`method_params`; `noiselens methods` prints each key's documentation.\n");
        return out.toString();
    }

    /** {@code --help methods}: each family with its keys, their defaults and documentation. */
    public static String help() {
        StringBuilder out = new StringBuilder("Methods (one entry of 'methods' per map; keys not listed for a kind are refused):\n");
        for (MethodFamily f : families()) {
            out.append("\n  ").append(f.kind()).append(": ").append(f.summary()).append('\n');
            for (ConfigKey k : ownKeys(f)) out.append(helpLine(k));
            if (Keys.takesBase(f)) out.append("    (and the keys of the chosen base, listed under its kind)\n");
        }
        out.append("\n  every kind:\n");
        for (ConfigKey k : COMMON_KEYS) out.append(helpLine(k));
        return out.toString();
    }

    /** A family's keys without those it reads for its base (listed under the base's own kind). */
    private static List<ConfigKey> ownKeys(MethodFamily f) {
        if (!Keys.takesBase(f)) return f.keys();
        List<ConfigKey> baseKeys = new ArrayList<>();
        for (MethodFamily b : Bases.ALL) baseKeys.addAll(b.keys());
        return f.keys().stream().filter(k -> !baseKeys.contains(k)).toList();
    }

    private static String helpLine(ConfigKey k) {
        return String.format("    %-18s %s%s%n", k.path(), k.doc(), k.defaultValue() == null ? "" : " Default: " + k.defaultValue() + ".");
    }

    /** {@code `key` (default)}, an enumerated key's other values after the default. */
    private static String keyWithDefault(ConfigKey k) {
        List<String> shown = new ArrayList<>();
        if (k.defaultValue() != null) shown.add(k.type() == ENUM ? "`" + k.defaultValue() + "`" : k.defaultValue().toString());
        for (String v : k.allowed()) if (!v.equals(k.defaultValue())) shown.add("`" + v + "`");
        return "`" + k.path() + "`" + (shown.isEmpty() ? "" : " (" + String.join(", ", shown) + ")");
    }
}
