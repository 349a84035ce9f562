package io.noiselens.metrics;

/** A random perturbation of a model input, drawn from a keyed stream (robustness metrics' neighbourhoods). */
public interface InputPerturbation {
    /** Names the perturbation with its parameters; part of the stream keys and re-explanation ids of its copies. */
    String key();

    /** A perturbed copy of {@code x}, drawing from the keyed stream {@code streamKey}. */
    float[] apply(float[] x, long streamKey);
}
