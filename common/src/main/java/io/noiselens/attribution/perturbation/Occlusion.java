package io.noiselens.attribution.perturbation;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.DrawPoint;
import io.noiselens.attribution.DrawState;
import io.noiselens.attribution.Evaluation;
import io.noiselens.model.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Occlusion (Zeiler &amp; Fergus, "Visualizing and Understanding Convolutional Networks", ECCV 2014) as Captum's
 * {@code Occlusion} computes it (METHODS-2.md §A.2): a window of {@code window}×{@code window} pixels over all
 * channels slides with stride s; per axis n = ⌈(D − w)/s⌉ + 1 windows start at k·s, the last one cropped at the edge.
 * The occluded input is the draw's input with the window set to the baseline, and each element's attribution is the
 * mean score drop over the windows covering it, R_e = (1/|W(e)|) Σ_{W ∋ e} [f(z) − f(z̃_W)] (the same in every channel,
 * as Captum returns it for a window spanning the channels). Forward passes per draw: 1 + n_H·n_W. On a model linear
 * in its input with window 1 and stride 1, R = w ⊙ (z − b).
 */
public final class Occlusion implements BaseExplainer {
    private final int window;
    private final int stride;
    private final Baseline baseline;

    public Occlusion(int window, int stride, Baseline baseline) {
        if (stride > window) throw new IllegalArgumentException("The occlusion stride " + stride + " exceeds the window " + window);
        this.window = window;
        this.stride = stride;
        this.baseline = baseline;
    }

    @Override
    public String name() {
        return "occlusion";
    }

    @Override
    public Evaluation evaluation(ModelSpec spec) {
        return Evaluation.SCORE;
    }

    @Override
    public Baseline baseline() {
        return baseline;
    }

    /** Window starts along an axis of length d. */
    private int windows(int d) {
        int w = Math.min(window, d);
        return (int) Math.ceil((double) (d - w) / stride) + 1;
    }

    @Override
    public DrawState start(DrawPoint p) {
        int h = p.spec().height(), w = p.spec().width(), plane = h * w;
        int nh = windows(h), nw = windows(w);
        return new DrawState() {
            final double[] scores = new double[1 + nh * nw];

            @Override
            public int rows() {
                return scores.length;
            }

            @Override
            public void row(int k, float[] out, int offset) {
                float[] z = p.z();
                System.arraycopy(z, 0, out, offset, z.length);
                if (k == 0) return;
                int y0 = (k - 1) / nw * stride, x0 = (k - 1) % nw * stride;
                for (int c = 0; c < z.length / plane; c++) {
                    for (int y = y0; y < Math.min(h, y0 + window); y++) {
                        int at = c * plane + y * w;
                        for (int x = x0; x < Math.min(w, x0 + window); x++) out[offset + at + x] = p.reference()[at + x];
                    }
                }
            }

            @Override
            public void accept(int k, float[] values, int offset, int length) {
                scores[k] = values[offset];
            }

            @Override
            public void finish(float[] out) {
                double[] sum = new double[plane];
                int[] count = new int[plane];
                for (int k = 1; k < scores.length; k++) {
                    int y0 = (k - 1) / nw * stride, x0 = (k - 1) % nw * stride;
                    double drop = scores[0] - scores[k];
                    for (int y = y0; y < Math.min(h, y0 + window); y++) {
                        for (int x = x0; x < Math.min(w, x0 + window); x++) {
                            sum[y * w + x] += drop;
                            count[y * w + x]++;
                        }
                    }
                }
                for (int e = 0; e < out.length; e++) out[e] = (float) (sum[e % plane] / count[e % plane]);
            }
        };
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("window", window);
        m.put("stride", stride);
        m.put("baseline", baseline.name().toLowerCase(java.util.Locale.ROOT));
        return m;
    }
}
