package io.noiselens.model;

/**
 * A rule set that replaces some Jacobians of a model's graph, so that the input gradient of the graph built with it
 * is an attribution rather than the gradient: layer-wise relevance propagation's rules ({@link Propagation}) or
 * DeepLift's Rescale multipliers ({@link Rescale}). {@link ClassifierModel#relevance} evaluates it.
 */
public sealed interface ModifiedGradient extends java.io.Serializable permits Propagation, Rescale {}
