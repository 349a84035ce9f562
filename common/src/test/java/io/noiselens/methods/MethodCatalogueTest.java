package io.noiselens.methods;

import io.noiselens.attribution.AttributionMethod;
import io.noiselens.lang.ConfigKey;
import io.noiselens.lang.NoiseLensException;
import io.noiselens.drivers.Dance;
import io.noiselens.drivers.RelEx;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The catalogue's contract, over every family: defaults, declared keys, refusals, bounds, and README's table. */
class MethodCatalogueTest {
    static Stream<MethodFamily> families() {
        return MethodCatalogue.families().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void defaultsBuildAndNameTheMethodByItsKind(MethodFamily f) {
        AttributionMethod m = MethodCatalogue.method(f.kind());
        assertEquals(f.kind(), m.id());
        assertEquals(f.kind(), m.kind());
        assertEquals(m.params(1), MethodCatalogue.method(f.kind(), "id", f.kind()).params(1));
    }

    /** Setting every declared key to its own default changes nothing: the declared defaults are the ones used. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void declaredDefaultsAreTheDefaults(MethodFamily f) {
        Map<String, Object> raw = new HashMap<>(Map.of("kind", f.kind()));
        for (ConfigKey k : f.keys()) {
            if (k.defaultValue() != null && baseReading(f, k) == null) raw.put(k.path(), k.defaultValue());
        }
        assertEquals(MethodCatalogue.method(f.kind()).params(7), MethodCatalogue.spec(raw, "m").build().params(7));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void aKeyTheFamilyDoesNotReadIsRefusedWithItsKeys(MethodFamily f) {
        Set<String> own = new LinkedHashSet<>();
        f.keys().forEach(k -> own.add(k.path()));
        for (String key : MethodCatalogue.allKeys()) {
            if (own.contains(key) || MethodCatalogue.COMMON_KEYS.stream().anyMatch(k -> k.path().equals(key))) continue;
            NoiseLensException e = assertThrows(NoiseLensException.class,
                    () -> MethodCatalogue.spec(Map.of("kind", f.kind(), key, 1), "methods[0]"), key);
            assertTrue(e.getMessage().contains("methods[0]." + key) && e.getMessage().contains("does not apply")
                    && e.getMessage().contains(f.kind() + " reads"), e.getMessage());
        }
        NoiseLensException e = assertThrows(NoiseLensException.class,
                () -> MethodCatalogue.spec(Map.of("kind", f.kind(), "sampels", 4), "methods[0]"));
        assertTrue(e.getMessage().contains("methods[0].sampels"), e.getMessage());
    }

    /** Every bounded key refuses a value below its bound and a fraction where it takes an integer. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void boundsAndTypesAreChecked(MethodFamily f) {
        for (ConfigKey k : f.keys()) {
            if (k.min() == null) continue;
            Object below = k.type() == ConfigKey.Type.INT ? (Object) (k.min().intValue() - 1) : (Object) (k.min() - 0.5);
            Map<String, Object> raw = new HashMap<>(Map.of("kind", f.kind(), k.path(), below));
            if (baseReading(f, k) != null) raw.put("base", baseReading(f, k));
            NoiseLensException e = assertThrows(NoiseLensException.class, () -> MethodCatalogue.spec(raw, "m"), k.path());
            assertTrue(e.getMessage().contains("m." + k.path()) && e.getMessage().contains("≥"), e.getMessage());
            if (k.type() == ConfigKey.Type.INT) {
                raw.put(k.path(), 2.5);
                e = assertThrows(NoiseLensException.class, () -> MethodCatalogue.spec(raw, "m"), k.path());
                assertTrue(e.getMessage().contains("an integer"), e.getMessage());
            }
        }
    }

    @Test
    void theCommonKeysAreSpelledOnce() {
        assertEquals(MethodCatalogue.COMMON_KEYS.stream().map(ConfigKey::path).toList(), Keys.COMMON);
    }

    /** For a family that wraps a base: the first base that reads key k (null: k is the family's own). */
    static String baseReading(MethodFamily f, ConfigKey k) {
        if (!Keys.takesBase(f)) return null;
        for (MethodFamily b : Bases.ALL) if (b.keys().contains(k)) return b.kind();
        return null;
    }

    /** One shared key, two families, two defaults: RelEx optimises 50 steps, DANCE's decoy solver 20. */
    @Test
    void familiesKeepTheirOwnDefaultsForASharedKey() {
        assertEquals(50, ((RelEx) MethodCatalogue.method("relex").driver()).iterations());
        assertEquals(20, ((Dance) MethodCatalogue.method("dance").driver()).iterations());
        assertEquals(List.of(50, 20), List.of(
                MethodCatalogue.family("relex").keys().stream().filter(k -> k.path().equals("iterations")).findFirst().orElseThrow().defaultValue(),
                MethodCatalogue.family("dance").keys().stream().filter(k -> k.path().equals("iterations")).findFirst().orElseThrow().defaultValue()));
    }

    /** README's method table is the catalogue's own rendering, so documentation cannot drift from the code. */
    @Test
    void readmeTableIsGeneratedFromTheCatalogue() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int begin = readme.indexOf("<!-- methods:begin -->"), end = readme.indexOf("<!-- methods:end -->");
        assertTrue(begin >= 0 && end > begin, "README.md lacks the <!-- methods:begin/end --> markers");
        String section = readme.substring(begin + "<!-- methods:begin -->".length(), end).trim();
        assertEquals(MethodCatalogue.markdownTable().trim(), section,
                "README's method table differs from the catalogue: paste the output of 'noiselens methods --markdown'");
    }
}
