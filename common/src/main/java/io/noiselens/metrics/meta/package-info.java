/**
 * Meta-evaluation of the metrics themselves (MetaQuantus, Hedström et al. 2023, METHODS-2.md §B.7): how resilient a
 * metric's scores are to minor perturbations of the model or input that keep the prediction, and how reactive to
 * disruptive ones that change it.
 */
package io.noiselens.metrics.meta;
