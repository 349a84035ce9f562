package io.noiselens.metrics;

/** A random perturbation of a model input, drawn from a keyed stream (robustness metrics' neighbourhoods). */
public interface InputPerturbation {
    /** Names the perturbation with its parameters; part of the stream keys and re-explanation ids of its copies. */
    String key();

    /** A perturbed copy of {@code x}, drawing from the keyed stream {@code streamKey}. */
    float[] apply(float[] x, long streamKey);

    /** Copy {@code sample} of {@code x}: by default a random draw from its stream; deterministic families use the index. */
    default float[] apply(float[] x, long streamKey, int sample) {
        return apply(x, streamKey);
    }
}
