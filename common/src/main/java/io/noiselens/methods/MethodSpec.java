package io.noiselens.methods;

import io.noiselens.attribution.AttributionMethod;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One configured method: its family's {@code kind} and the value of every key the family reads (defaults filled,
 * validated by {@link MethodCatalogue#spec}), with the keys the user set. Serialisable, so that executors rebuild the
 * same {@link AttributionMethod}.
 */
public record MethodSpec(String kind, Map<String, Object> values, Set<String> explicit) implements Serializable {
    /** The method these values describe. */
    public AttributionMethod build() {
        return MethodCatalogue.family(kind).build(this);
    }

    /** The name in the tables' {@code method} column. */
    public String id() {
        return text("id");
    }

    /** Whether the user set {@code key} (rather than taking the family's default). */
    public boolean isSet(String key) {
        return explicit.contains(key);
    }

    public int integer(String key) {
        return ((Number) values.get(key)).intValue();
    }

    public double real(String key) {
        return ((Number) values.get(key)).doubleValue();
    }

    /** The value, or null where the key has no default and was not set. */
    public Double optionalReal(String key) {
        Object v = values.get(key);
        return v == null ? null : ((Number) v).doubleValue();
    }

    public String text(String key) {
        Object v = values.get(key);
        return v == null ? null : v.toString();
    }

    /** An enumerated key as a constant of {@code type} (values are the constants' lower-case names). */
    public <E extends Enum<E>> E option(String key, Class<E> type) {
        return Enum.valueOf(type, text(key).toUpperCase(Locale.ROOT));
    }
}
