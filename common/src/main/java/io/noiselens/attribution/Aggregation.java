package io.noiselens.attribution;

/**
 * How per-draw maps A_k are reduced (Captum NoiseTunnel semantics, METHODS.md §2.5; DANCE §6.3):
 * MEAN m₁ = mean A_k; MEAN_OF_SQUARES m₂ = mean A_k² (SmoothGrad², Hooker et al. 2019); VARIANCE m₂ − m₁²,
 * the population variance (VarGrad, Adebayo et al. 2018); RANGE max A_k − min A_k per feature (DANCE).
 */
public enum Aggregation { MEAN, MEAN_OF_SQUARES, VARIANCE, RANGE }
