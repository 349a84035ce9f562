package io.noiselens.attribution.perturbation;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.DrawPoint;
import io.noiselens.attribution.DrawState;
import io.noiselens.attribution.Evaluation;
import io.noiselens.model.ModelSpec;
import io.noiselens.random.KeyedRandom;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Surrogate-model explainers over image segments (KernelSHAP, LIME): {@code samples} coalitions z ∈ {0,1}^M of the
 * draw's segments, each scored by one forward pass of the input with absent segments set to the baseline, and a
 * weighted linear fit of the scores on the coalitions whose coefficients are painted on their segments. Coalition k
 * of a draw is a pure function of (run seed, image, draw, k); a draw keeps only its scores and regenerates the
 * coalitions to fit them.
 */
abstract class CoalitionExplainer implements BaseExplainer {
    final int samples;
    final Segmentation segmentation;
    final Baseline baseline;

    CoalitionExplainer(int samples, Segmentation segmentation, Baseline baseline) {
        this.samples = samples;
        this.segmentation = segmentation;
        this.baseline = baseline;
    }

    /** Coalition k of a draw with stream {@code key} over m segments, into {@code on}. */
    abstract void coalition(long key, int k, int m, boolean[] on);

    /** The fit's sample weights; {@code inputs(k)} recomposes sample k's model input where a weight needs it. */
    abstract double[] weights(boolean[][] z, float[] point, java.util.function.IntFunction<float[]> inputs);

    /** The segment coefficients. */
    abstract double[] fit(boolean[][] z, double[] scores, double[] weights);

    @Override
    public final Evaluation evaluation(ModelSpec spec) {
        return Evaluation.SCORE;
    }

    @Override
    public final Baseline baseline() {
        return baseline;
    }

    @Override
    public final DrawState start(DrawPoint p) {
        Segments seg = segmentation.of(p.z(), p.spec());
        long key = KeyedRandom.key(p.runSeed(), KeyedRandom.Purpose.PERTURBATION, KeyedRandom.hash(name()), p.imageKey(),
                p.draw());
        int m = seg.count();
        return new DrawState() {
            final double[] scores = new double[samples];

            @Override
            public int rows() {
                return samples;
            }

            @Override
            public void row(int k, float[] out, int offset) {
                boolean[] on = new boolean[m];
                coalition(key, k, m, on);
                seg.compose(p.z(), p.reference(), on, out, offset);
            }

            @Override
            public void accept(int k, float[] values, int offset, int length) {
                scores[k] = values[offset];
            }

            @Override
            public void finish(float[] out) {
                boolean[][] z = new boolean[samples][m];
                for (int k = 0; k < samples; k++) coalition(key, k, m, z[k]);
                double[] w = weights(z, p.z(), k -> {
                    float[] in = new float[p.z().length];
                    seg.compose(p.z(), p.reference(), z[k], in, 0);
                    return in;
                });
                seg.paint(fit(z, scores, w), out);
            }
        };
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n_samples", samples);
        m.putAll(segmentation.params());
        m.put("baseline", baseline.name().toLowerCase(java.util.Locale.ROOT));
        return m;
    }
}
