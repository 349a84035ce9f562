package io.noiselens.model;

/**
 * A network layout: how a model's layers are wired. Implementations define the layers on a {@link Layers}
 * builder of any engine, which computes them with the model's parameters.
 */
public interface Architecture {
    String name();

    /** Defines the network on {@code layers} from {@code input}; returns the logits activation [n, classes]. */
    <T> Layers.Act<T> define(Layers<T> layers, Layers.Act<T> input, ModelSpec spec);
}
