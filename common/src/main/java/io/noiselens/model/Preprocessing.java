package io.noiselens.model;

import java.util.Arrays;

/**
 * How pixels in [0, 1] become model inputs: per-channel {@code (p − mean) / std}. {@code datasetMean} is the
 * per-channel training-set mean in pixel space, used for the "dataset mean" baseline of Integrated Gradients.
 */
public record Preprocessing(float[] mean, float[] std, float[] datasetMean) {
    public Preprocessing {
        if (mean.length != std.length || mean.length != datasetMean.length) {
            throw new IllegalArgumentException("Preprocessing mean/std/datasetMean must have one value per channel: "
                    + Arrays.toString(mean) + " " + Arrays.toString(std) + " " + Arrays.toString(datasetMean));
        }
        for (float s : std) {
            if (!(s > 0)) throw new IllegalArgumentException("Preprocessing std must be > 0, got " + Arrays.toString(std));
        }
    }

    public static Preprocessing identity(int channels) {
        float[] zeros = new float[channels];
        float[] ones = new float[channels];
        Arrays.fill(ones, 1f);
        float[] half = new float[channels];
        Arrays.fill(half, 0.5f);
        return new Preprocessing(zeros, ones, half);
    }

    public int channels() {
        return mean.length;
    }

    /** Maps one pixel value of channel {@code c} into model space. */
    public float normalise(int c, float pixel) {
        return (pixel - mean[c]) / std[c];
    }

    /** Normalises a C×H×W pixel array in place. */
    public void normaliseInPlace(float[] chw, int plane) {
        for (int c = 0; c < channels(); c++) {
            float m = mean[c], s = std[c];
            for (int i = c * plane, end = i + plane; i < end; i++) chw[i] = (chw[i] - m) / s;
        }
    }
}
