package io.noiselens.metrics;

import java.io.Serializable;
import java.util.Map;

/**
 * Quantus's map pre-processing (METHODS-2.md §B.0), applied to every map a metric reads — the scored map and any
 * re-explained one — before it scores: first {@code normalise}, then {@code abs}. Unlike Quantus, which normalises
 * over the whole batch by default, each map is normalised by its own values, so a score never depends on the batch
 * it was computed in; an all-zero map is left as it is (Quantus's per-sample form would give 0/0).
 */
public record MapPreprocessing(Normalise normalise, boolean abs) implements Serializable {
    /** How a map is rescaled. */
    public enum Normalise {
        /** Left as it is. */
        NONE,
        /** a / max|a| ({@code normalise_by_max}). */
        MAX,
        /** Positive values / max, negative values / |min|: [−1, 1] with separate scales for the signs ({@code normalise_by_negative}). */
        NEGATIVE;

        public String key() {
            return name().toLowerCase();
        }
    }

    /** Nothing: the map as the method emitted it. */
    public static final MapPreprocessing NONE = new MapPreprocessing(Normalise.NONE, false);

    /** Quantus's most common default: normalise by max, signed. */
    public static final MapPreprocessing MAX = new MapPreprocessing(Normalise.MAX, false);

    /** Normalise by max, then take absolute values. */
    public static final MapPreprocessing MAX_ABS = new MapPreprocessing(Normalise.MAX, true);

    /** Absolute values only. */
    public static final MapPreprocessing ABS = new MapPreprocessing(Normalise.NONE, true);

    public boolean isIdentity() {
        return normalise == Normalise.NONE && !abs;
    }

    /** A processed copy of {@code map} (the map itself when nothing is to be done). */
    public float[] apply(float[] map) {
        if (isIdentity()) return map;
        float[] out = map.clone();
        if (normalise != Normalise.NONE) {
            float max = Float.NEGATIVE_INFINITY, min = Float.POSITIVE_INFINITY, absMax = 0;
            for (float v : out) {
                max = Math.max(max, v);
                min = Math.min(min, v);
                absMax = Math.max(absMax, Math.abs(v));
            }
            for (int k = 0; k < out.length; k++) {
                float v = out[k];
                if (normalise == Normalise.MAX) {
                    if (absMax > 0) out[k] = v / absMax;
                } else if (v > 0 && max > 0) {
                    out[k] = v / max;
                } else if (v < 0 && min < 0) {
                    out[k] = v / -min;
                }
            }
        }
        if (abs) for (int k = 0; k < out.length; k++) out[k] = Math.abs(out[k]);
        return out;
    }

    /** The options as recorded with every value. */
    public Map<String, Object> params() {
        return Map.of("normalise", normalise.key(), "abs", abs);
    }
}
