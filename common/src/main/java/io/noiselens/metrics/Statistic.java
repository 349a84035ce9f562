package io.noiselens.metrics;

/**
 * A value the metrics of one batch share, computed once by the first metric that asks for it (Tribuo's
 * MetricContext): rankings, blurred substrates, perturbation curves, re-explanations of perturbed inputs. An
 * implementation is a record naming every parameter the value depends on besides the batch, so that equal records
 * are the same statistic — two metrics asking for {@code new Rankings(true)} share one computation, and a metric
 * with other parameters gets its own.
 *
 * @param <T> the value's type
 */
public interface Statistic<T> {
    /** Computes the value for the whole batch of {@code context}; called at most once per batch and statistic. */
    T compute(MetricContext context);

    /**
     * Whether the value depends only on the batch's images and target classes, not on the scored method (adversarial
     * inputs): then the contexts of every method scored on the batch share it.
     */
    default boolean methodIndependent() {
        return false;
    }
}
