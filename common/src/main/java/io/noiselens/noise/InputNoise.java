package io.noiselens.noise;

import io.noiselens.random.KeyedRandom;

/**
 * Additive Gaussian input noise ε ~ N(0, σ²I) for SmoothGrad-style estimators (Smilkov et al. 2017,
 * METHODS.md §2.4). σ is either absolute, in model-input units (Captum's {@code stdevs}, NoiseGrad's
 * {@code sg_std}), or a fraction of the image's value range: σ = level·(max x − min x), over all channels of
 * that image (the SmoothGrad paper's definition).
 *
 * <p>Sample s of image {@code id} uses the stream keyed by (run seed, image id, s), so the noise of an image
 * does not depend on its partition, batch or method: SmoothGrad and FusionGrad with σ_w = 0 see the same ε.
 */
public record InputNoise(double sigma, Mode mode) {
    public enum Mode { ABSOLUTE, RANGE_FRACTION }

    public InputNoise {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("Input noise σ must be a finite value ≥ 0, got " + sigma);
        }
    }

    /** σ in absolute input units for this image. */
    public double absoluteSigma(float[] x) {
        if (mode == Mode.ABSOLUTE) return sigma;
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return sigma * (max - min);
    }

    /** Writes x + ε for sample {@code sample} of image {@code imageKey} into {@code out}. */
    public void perturb(float[] x, double absSigma, long runSeed, long imageKey, int sample, float[] out) {
        if (absSigma == 0) {
            System.arraycopy(x, 0, out, 0, x.length);
            return;
        }
        KeyedRandom.fillGaussian(KeyedRandom.key(runSeed, KeyedRandom.Purpose.INPUT, imageKey, sample), out, 0, x.length);
        float s = (float) absSigma;
        for (int i = 0; i < x.length; i++) out[i] = x[i] + s * out[i];
    }
}
