package io.noiselens.attribution;

/**
 * Where the absolute value is taken (METHODS.md §1.5): NoiseGrad's example applies abs to each replica's map and
 * then averages (BEFORE_AGGREGATION), which differs from abs(mean) (AFTER_AGGREGATION).
 */
public enum AbsMode { NONE, BEFORE_AGGREGATION, AFTER_AGGREGATION }
