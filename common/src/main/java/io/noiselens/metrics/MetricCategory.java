package io.noiselens.metrics;

/**
 * The metric families of Quantus and METHODS.md §8, plus Ye & Farnia's stability/fidelity (§7) and the adversarial
 * evaluations (§9).
 */
public enum MetricCategory { FAITHFULNESS, ROBUSTNESS, LOCALISATION, COMPLEXITY, RANDOMISATION, STABILITY, ADVERSARIAL }
