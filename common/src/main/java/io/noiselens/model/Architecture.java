package io.noiselens.model;

/**
 * A network layout: how a model's layers are wired. Implementations define the layers on a {@link Layers}
 * builder, which turns them into a SameDiff graph bound to a parameter view.
 */
public interface Architecture {
    String name();

    /** Defines the network on {@code layers} from {@code input}; returns the logits activation [n, classes]. */
    Layers.Act define(Layers layers, Layers.Act input, ModelSpec spec);
}
