package io.noiselens.attribution.perturbation;

import io.noiselens.attribution.Baseline;
import io.noiselens.random.KeyedRandom;

import java.util.Locale;
import java.util.Map;

/**
 * LIME (Ribeiro, Singh, Guestrin, "“Why Should I Trust You?”: Explaining the Predictions of Any Classifier", KDD 2016;
 * METHODS-2.md §A.6): each segment present with probability ½ (Captum's sampler); sample weight π = exp(−d²/(2w²))
 * with d the cosine distance (1 − cos) — or the Euclidean one — between the draw's input and the perturbed model input,
 * kernel width w (Captum's kernel); the coefficients of a weighted linear fit with intercept: ridge with penalty α (the
 * paper's and the lime library's, α = 1), Captum's Lasso, or least squares (SynapseML's ImageLIME).
 */
public final class Lime extends CoalitionExplainer {
    /** The distance in the similarity kernel. */
    public enum Distance { COSINE, EUCLIDEAN }

    /** The interpretable model's fit. */
    public enum Fit { RIDGE, LASSO, LEAST_SQUARES }

    private final double kernelWidth;
    private final Distance distance;
    private final Fit fit;
    private final double alpha;

    /** @param alpha the penalty of a ridge or Lasso fit */
    public Lime(int samples, Segmentation segmentation, Baseline baseline, double kernelWidth, Distance distance, Fit fit,
                double alpha) {
        super(samples, segmentation, baseline);
        this.kernelWidth = kernelWidth;
        this.distance = distance;
        this.fit = fit;
        this.alpha = alpha;
    }

    @Override
    public String name() {
        return "lime";
    }

    @Override
    void coalition(long key, int k, int m, boolean[] on) {
        for (int j = 0; j < m; j++) on[j] = KeyedRandom.uniform(key, (long) k * m + j) < 0.5;
    }

    @Override
    double[] weights(boolean[][] z, float[] point, java.util.function.IntFunction<float[]> inputs) {
        double[] w = new double[z.length];
        double pointNorm = 0;
        for (float v : point) pointNorm += (double) v * v;
        for (int k = 0; k < z.length; k++) {
            float[] in = inputs.apply(k);
            double dot = 0, norm = 0, sq = 0;
            for (int i = 0; i < in.length; i++) {
                dot += (double) point[i] * in[i];
                norm += (double) in[i] * in[i];
                sq += (point[i] - in[i]) * (double) (point[i] - in[i]);
            }
            double d = distance == Distance.EUCLIDEAN ? Math.sqrt(sq)
                    : 1 - (norm == 0 || pointNorm == 0 ? 0 : dot / Math.sqrt(norm * pointNorm));
            w[k] = Math.exp(-d * d / (2 * kernelWidth * kernelWidth));
        }
        return w;
    }

    @Override
    double[] fit(boolean[][] z, double[] scores, double[] weights) {
        return switch (fit) {
            case RIDGE -> SurrogateFit.ridge(z, scores, weights, alpha);
            case LASSO -> SurrogateFit.lasso(z, scores, weights, alpha);
            case LEAST_SQUARES -> SurrogateFit.leastSquares(z, scores, weights);
        };
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = super.params();
        m.put("kernel_width", kernelWidth);
        m.put("distance", distance.name().toLowerCase(Locale.ROOT));
        m.put("fit", fit.name().toLowerCase(Locale.ROOT));
        if (fit != Fit.LEAST_SQUARES) m.put("fit_alpha", alpha);
        return m;
    }
}
