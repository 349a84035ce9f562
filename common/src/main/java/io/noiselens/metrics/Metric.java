package io.noiselens.metrics;

/**
 * An evaluation metric of one attribution map. Implementations are stateless; everything shared between metrics
 * (rankings, normalised maps, forward passes on perturbed inputs) comes from the {@link MetricContext} of the
 * batch, computed once (Tribuo's MetricContext).
 */
public interface Metric {
    MetricInfo info();

    /** Scores image {@code i} of the context's batch. */
    MetricValue score(MetricContext context, int i);
}
