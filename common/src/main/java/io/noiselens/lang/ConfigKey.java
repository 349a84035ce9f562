package io.noiselens.lang;

import java.util.List;

/**
 * One job configuration key: its path, type, default and documentation, defined once (Spark's ConfigBuilder,
 * Iceberg's TableProperties) so that validation, defaults and help text agree.
 */
public record ConfigKey(String path, Type type, Object defaultValue, String doc, List<String> allowed, Double min) {
    public enum Type { STRING, INT, LONG, DOUBLE, BOOLEAN, ENUM, LIST }

    public ConfigKey(String path, Type type, Object defaultValue, String doc, List<String> allowed) {
        this(path, type, defaultValue, doc, allowed, null);
    }

    public static ConfigKey of(String path, Type type, Object def, String doc) {
        return new ConfigKey(path, type, def, doc, List.of());
    }

    public static ConfigKey oneOf(String path, String def, String doc, String... allowed) {
        return new ConfigKey(path, Type.ENUM, def, doc, List.of(allowed));
    }

    /** The same key with a lower bound on its (numeric) value. */
    public ConfigKey atLeast(double bound) {
        return new ConfigKey(path, type, defaultValue, doc, allowed, bound);
    }

    /** "expected" wording for errors. */
    public String expected() {
        return switch (type) {
            case STRING -> "a string";
            case INT -> "an integer";
            case LONG -> "an integer";
            case DOUBLE -> "a number";
            case BOOLEAN -> "true or false";
            case ENUM -> "one of " + allowed;
            case LIST -> "a list";
        };
    }
}
