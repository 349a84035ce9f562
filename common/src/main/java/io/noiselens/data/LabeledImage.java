package io.noiselens.data;

/**
 * An image in pixel space: C×H×W floats in [0, 1], its label (−1 if unknown) and an optional ground-truth
 * object mask (H×W, true on the object) for localisation.
 */
public record LabeledImage(String id, int label, float[] pixels, int channels, int height, int width, boolean[] mask) {
    public LabeledImage {
        if (pixels.length != channels * height * width) {
            throw new IllegalArgumentException("Image " + id + ": " + pixels.length + " values for "
                    + channels + "x" + height + "x" + width);
        }
        if (mask != null && mask.length != height * width) {
            throw new IllegalArgumentException("Image " + id + ": mask has " + mask.length + " cells for "
                    + height + "x" + width);
        }
    }
}
