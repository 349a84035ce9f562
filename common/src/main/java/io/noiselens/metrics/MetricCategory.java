package io.noiselens.metrics;

/**
 * The metric families of Quantus (METHODS.md §8, METHODS-2.md Part B), plus Ye & Farnia's stability/fidelity (§7) and the adversarial
 * evaluations (§9).
 */
public enum MetricCategory { FAITHFULNESS, ROBUSTNESS, LOCALISATION, COMPLEXITY, RANDOMISATION, AXIOMATIC, STABILITY, ADVERSARIAL }
