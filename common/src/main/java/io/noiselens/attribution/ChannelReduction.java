package io.noiselens.attribution;

/**
 * How a C×H×W map becomes a heatmap (METHODS.md §1.4), applied to the aggregated map: NONE keeps all channels;
 * SUM is the signed channel sum (SmoothTaylor, Quantus); ABS_SUM sums absolute values (NoiseGrad example,
 * Ghorbani); MAX_ABS takes the largest absolute value (DANCE).
 */
public enum ChannelReduction {
    NONE, SUM, ABS_SUM, MAX_ABS;

    /** Reduces a C×H×W array; returns it unchanged for NONE. */
    public float[] apply(float[] map, int channels, int plane) {
        if (this == NONE || channels == 1 && this == SUM) return map;
        float[] out = new float[plane];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < plane; i++) {
                float v = map[c * plane + i];
                switch (this) {
                    case SUM -> out[i] += v;
                    case ABS_SUM -> out[i] += Math.abs(v);
                    case MAX_ABS -> out[i] = Math.max(out[i], Math.abs(v));
                    default -> throw new IllegalStateException();
                }
            }
        }
        return out;
    }
}
