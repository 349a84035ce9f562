/** Evaluation metrics of attribution maps (METHODS.md §8): the Metric interface, the per-batch MetricContext, and one class per metric, grouped by category. */
package io.noiselens.metrics;
