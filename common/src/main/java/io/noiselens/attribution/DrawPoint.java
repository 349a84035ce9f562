package io.noiselens.attribution;

import io.noiselens.model.MapLayout;
import io.noiselens.model.ModelSpec;

/**
 * Where a draw starts: its input point z (the image, or a noisy copy), the explainer's reference (a baseline image,
 * the clean input, or null), the model's input layout, how the evaluated layer reads as a map for layer
 * explainers, and the keys of its random draws — a pure function of (run seed, image, draw), as every draw is.
 */
public record DrawPoint(float[] z, float[] reference, ModelSpec spec, MapLayout layerShape, long runSeed, long imageKey,
                        long draw) {}
