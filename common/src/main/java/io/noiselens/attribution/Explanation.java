package io.noiselens.attribution;

import java.util.List;

/** What the engine returns for a batch: the clean prediction per image and every requested map. */
public record Explanation(int[] predicted, float[] predictedProbability, float[][] probabilities,
                          List<AttributionResult> results) {}
