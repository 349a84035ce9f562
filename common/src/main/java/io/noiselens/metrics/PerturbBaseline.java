package io.noiselens.metrics;

import io.noiselens.random.KeyedRandom;

/**
 * What perturbation metrics write into the features they remove (Quantus's {@code perturb_baseline}, METHODS.md §8):
 * BLACK is the image's minimum value, MEAN each channel's mean over the image, UNIFORM a value drawn per element
 * uniformly between the image's minimum and maximum (keyed by run seed and image id, so a retried task draws the
 * same), BLUR the image blurred by Petsiuk et al.'s 11×11 Gaussian of σ = 5 (Quantus's blur is a box filter).
 */
public enum PerturbBaseline {
    BLACK, MEAN, UNIFORM, BLUR;

    public String key() {
        return name().toLowerCase();
    }

    /** The replacement image of item {@code i}: the values its removed features take. */
    public float[] image(MetricContext ctx, int i) {
        return image(ctx, i, 0);
    }

    /**
     * Draw {@code sample} of item {@code i}'s replacement image: UNIFORM draws anew per sample (Monotonicity
     * Correlation's repeated draws), the other baselines are the same for every sample.
     */
    public float[] image(MetricContext ctx, int i, int sample) {
        float[] x = ctx.item(i).input();
        int plane = ctx.pixels(), channels = ctx.spec().channels();
        float[] out = new float[x.length];
        switch (this) {
            case BLACK -> java.util.Arrays.fill(out, ctx.minimum(i));
            case MEAN -> {
                for (int c = 0; c < channels; c++) {
                    double m = 0;
                    for (int p = 0; p < plane; p++) m += x[c * plane + p];
                    java.util.Arrays.fill(out, c * plane, (c + 1) * plane, (float) (m / plane));
                }
            }
            case UNIFORM -> {
                float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
                for (float v : x) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                long key = uniformKey(ctx, i, sample);
                for (int k = 0; k < out.length; k++) out[k] = uniform(key, k, min, max);
            }
            case BLUR -> System.arraycopy(ctx.get(BlurredInputs.RISE)[i], 0, out, 0, out.length);
        }
        return out;
    }

    /** The stream of UNIFORM's draw {@code sample} for item {@code i}. */
    public static long uniformKey(MetricContext ctx, int i, int sample) {
        return KeyedRandom.key(ctx.seed(), KeyedRandom.Purpose.PERTURBATION, KeyedRandom.hash(ctx.item(i).id()),
                KeyedRandom.hash("perturb_baseline/uniform"), sample);
    }

    /** Value {@code index} of a UNIFORM draw from stream {@code key} between min and max: one value without the image. */
    public static float uniform(long key, int index, float min, float max) {
        return (float) (min + (max - min) * KeyedRandom.uniform(key, index));
    }

    /** Whether draws differ from sample to sample. */
    public boolean random() {
        return this == UNIFORM;
    }

    /** The replacement images of every item of the batch. */
    public float[][] images(MetricContext ctx) {
        float[][] out = new float[ctx.size()][];
        for (int i = 0; i < out.length; i++) out[i] = image(ctx, i);
        return out;
    }

    /** Parses a configuration value; null when it names no baseline. */
    public static PerturbBaseline of(String value) {
        for (PerturbBaseline b : values()) if (b.key().equals(value)) return b;
        return null;
    }
}
