package io.noiselens.attribution;

import io.noiselens.attribution.perturbation.Rise;
import io.noiselens.methods.MethodCatalogue;
import io.noiselens.model.Architecture;
import io.noiselens.model.Architectures;
import io.noiselens.model.Backend;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.Layers;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The CAM and perturbation families against closed forms, through the engine on both engines: on a model linear in
 * its input, f_c(x) = w_cᵀx + b_c, Occlusion is the mean over covering windows of Σ_{i∈W} w_i(x_i − b_i), KernelSHAP
 * and LIME without penalty recover each segment's exact Shapley value Σ_{i∈S_j} w_i(x_i − b_i), and RISE is
 * (1/(N·p)) Σ_k f(x ⊙ M_k)·M_k; on conv → global average pool → dense, ∂y_c/∂A_k = w_ck/(hw), so Grad-CAM is
 * ReLU(Σ_k w_ck A_k)/(hw), Grad-CAM++ weighs A_k by hw·a_k·ReLU(g_k) with a_k = g²/(2g² + ΣA_k·g³ + 10⁻⁶), and
 * LayerCAM is ReLU(Σ_k ReLU(g_k)·A_k). Sums in float64 here; the maps in float32.
 */
class NewFamiliesClosedFormTest {
    static final int C = 2, H = 6, W = 5, K = 3;
    static final Preprocessing PRE = new Preprocessing(new float[]{0.4f, 0.5f}, new float[]{0.2f, 0.25f},
            new float[]{0.3f, 0.6f});
    static final ModelSpec LINEAR = new ModelSpec("linear", C, H, W, K, List.of("a", "b", "c"), PRE);

    static List<float[]> inputs(int n, int size, long seed) {
        java.util.Random r = new java.util.Random(seed);
        List<float[]> xs = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            float[] x = new float[size];
            for (int i = 0; i < size; i++) x[i] = (float) r.nextGaussian();
            xs.add(x);
        }
        return xs;
    }

    static List<AttributionResult> explain(Backend backend, ModelSpec spec, ModelWeights w, List<float[]> xs,
                                           AttributionMethod m) {
        List<String> ids = new ArrayList<>();
        for (int b = 0; b < xs.size(); b++) ids.add("img-" + b);
        try (ClassifierModel model = backend.create(spec, w)) {
            List<AttributionResult> out = new ArrayList<>(new AttributionEngine(model, EngineOptions.defaults(5))
                    .explain(new ExplainBatch(ids, xs, new int[xs.size()]), List.of(m)).results());
            out.sort(java.util.Comparator.comparingInt(AttributionResult::index));
            return out;
        }
    }

    /** w_c of the linear model (its fc weight is [in, classes]). */
    static double[] weightsOf(ModelWeights w, int c) {
        float[] fc = w.get("fc.weight").data();
        double[] out = new double[C * H * W];
        for (int i = 0; i < out.length; i++) out[i] = fc[i * K + c];
        return out;
    }

    static void assertClose(double[] expected, float[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rel * scale + 1e-6, what + " element " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void occlusionOnALinearModelIsTheMeanWindowDrop(Backend backend) {
        ModelWeights w = Architectures.initialWeights(LINEAR, 3);
        float[] b = Baseline.BLACK.image(LINEAR);
        for (int[] ws : new int[][]{{1, 1}, {3, 2}, {4, 4}}) {
            List<float[]> xs = inputs(2, LINEAR.inputSize(), 7);
            List<AttributionResult> rs = explain(backend, LINEAR, w, xs, MethodCatalogue.method("occlusion", "window",
                    ws[0], "stride", ws[1], "baseline", "black", "channel_reduction", "none"));
            for (AttributionResult r : rs) {
                double[] wc = weightsOf(w, r.target());
                float[] x = xs.get(r.index());
                double[] sum = new double[H * W];
                int[] count = new int[H * W];
                // Window starts 0, s, 2s, … while the previous window does not reach the edge (Captum's count).
                for (int y0 = 0; ; y0 += ws[1]) {
                    for (int x0 = 0; ; x0 += ws[1]) {
                        double drop = 0;
                        for (int c = 0; c < C; c++) {
                            for (int y = y0; y < Math.min(H, y0 + ws[0]); y++) {
                                for (int xx = x0; xx < Math.min(W, x0 + ws[0]); xx++) {
                                    int i = (c * H + y) * W + xx;
                                    drop += wc[i] * (x[i] - b[i]);
                                }
                            }
                        }
                        for (int y = y0; y < Math.min(H, y0 + ws[0]); y++) {
                            for (int xx = x0; xx < Math.min(W, x0 + ws[0]); xx++) {
                                sum[y * W + xx] += drop;
                                count[y * W + xx]++;
                            }
                        }
                        if (x0 + ws[0] >= W) break;
                    }
                    if (y0 + ws[0] >= H) break;
                }
                double[] expected = new double[C * H * W];
                for (int e = 0; e < expected.length; e++) expected[e] = sum[e % (H * W)] / count[e % (H * W)];
                assertClose(expected, r.map(), 1e-5, backend + " occlusion " + ws[0] + "/" + ws[1]);
                long windows = (long) Math.ceil((H - ws[0]) / (double) ws[1]) + 1;
                windows *= (long) Math.ceil((W - Math.min(ws[0], W)) / (double) ws[1]) + 1;
                assertEquals(windows + 1, ((Number) r.details().get(AttributionResult.FORWARD_PASSES)).longValue());
            }
        }
    }

    /** Each segment's Shapley value of a linear model, painted on its pixels in every channel. */
    static double[] shapley(double[] wc, float[] x, float[] b, int grid) {
        int bh = (H + grid - 1) / grid, bw = (W + grid - 1) / grid, cols = (W + bw - 1) / bw;
        double[] phi = new double[grid * grid];
        for (int i = 0; i < wc.length; i++) {
            int p = i % (H * W), seg = (p / W / bh) * cols + (p % W) / bw;
            phi[seg] += wc[i] * (x[i] - b[i]);
        }
        double[] out = new double[wc.length];
        for (int i = 0; i < out.length; i++) {
            int p = i % (H * W);
            out[i] = phi[(p / W / bh) * cols + (p % W) / bw];
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void kernelShapAndUnpenalisedLimeRecoverShapleyValuesOfALinearModel(Backend backend) {
        ModelWeights w = Architectures.initialWeights(LINEAR, 4);
        float[] b = Baseline.MEAN.image(LINEAR);
        List<float[]> xs = inputs(2, LINEAR.inputSize(), 8);
        for (AttributionMethod m : List.of(
                MethodCatalogue.method("kernel_shap", "n_samples", 40, "grid", 3, "baseline", "mean",
                        "channel_reduction", "none"),
                MethodCatalogue.method("lime", "n_samples", 60, "grid", 3, "baseline", "mean", "fit", "least_squares",
                        "channel_reduction", "none"))) {
            for (AttributionResult r : explain(backend, LINEAR, w, xs, m)) {
                assertClose(shapley(weightsOf(w, r.target()), xs.get(r.index()), b, 3), r.map(), 1e-4,
                        backend + " " + m.id());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void riseOnALinearModelIsTheMaskWeightedMeanOfScores(Backend backend) {
        ModelWeights w = Architectures.initialWeights(LINEAR, 5);
        List<float[]> xs = inputs(1, LINEAR.inputSize(), 9);
        int n = 50;
        double p = 0.3;
        AttributionMethod m = MethodCatalogue.method("rise", "masks", n, "mask_grid", 3, "keep", p, "output", "logit");
        AttributionResult r = explain(backend, LINEAR, w, xs, m).get(0);
        Rise rise = new Rise(n, 3, p);
        float[] bias = w.get("fc.bias").data(), x = xs.get(0);
        double[] wc = weightsOf(w, r.target()), expected = new double[H * W];
        for (int k = 0; k < n; k++) {
            float[] mask = rise.mask(5, k, H, W);
            double score = bias[r.target()];
            for (int i = 0; i < wc.length; i++) score += wc[i] * x[i] * mask[i % (H * W)];
            for (int i = 0; i < expected.length; i++) expected[i] += score * mask[i] / (n * p);
        }
        assertEquals(1, r.channels());
        assertClose(expected, r.map(), 1e-5, backend + " rise");
    }

    /** conv (3×3, stride 1, padding 1, K channels, bias) → global average pool → dense: the CAM closed forms' net. */
    static final Architecture CAM_NET = new Architecture() {
        @Override
        public String name() {
            return "camnet";
        }

        @Override
        public <T> Layers.Act<T> define(Layers<T> l, Layers.Act<T> x, ModelSpec spec) {
            return l.dense("fc", l.globalAvgPool(l.conv("conv", x, 4, 3, 1, 1, true, false)), spec.numClasses());
        }
    };

    @ParameterizedTest
    @EnumSource(Backend.class)
    void camFamilyOnConvPoolDenseMatchesItsClosedForms(Backend backend) {
        ModelSpec spec = new ModelSpec("camnet", C, H, W, K, List.of("a", "b", "c"), PRE, CAM_NET);
        ModelWeights w = Architectures.initialWeights(spec, 6);
        List<float[]> xs = inputs(2, spec.inputSize(), 10);
        int kc = 4, plane = H * W;
        float[] kernel = w.get("conv.weight").data(), cb = w.get("conv.bias").data(), fc = w.get("fc.weight").data();
        for (String kind : List.of("gradcam", "gradcam_plus_plus", "layercam")) {
            AttributionMethod m = MethodCatalogue.method(kind, "layer", "conv");
            for (AttributionResult r : explain(backend, spec, w, xs, m)) {
                float[] x = xs.get(r.index());
                double[][] a = new double[kc][plane];
                for (int o = 0; o < kc; o++) {
                    for (int y = 0; y < H; y++) {
                        for (int xx = 0; xx < W; xx++) {
                            double v = cb[o];
                            for (int i = 0; i < C; i++) {
                                for (int dy = 0; dy < 3; dy++) {
                                    for (int dx = 0; dx < 3; dx++) {
                                        int yy = y + dy - 1, xs2 = xx + dx - 1;
                                        if (yy < 0 || yy >= H || xs2 < 0 || xs2 >= W) continue;
                                        v += kernel[((dy * 3 + dx) * C + i) * kc + o] * x[(i * H + yy) * W + xs2];
                                    }
                                }
                            }
                            a[o][y * W + xx] = v;
                        }
                    }
                }
                double[] expected = new double[plane];
                for (int o = 0; o < kc; o++) {
                    double g = fc[o * K + r.target()] / plane, sumA = 0;
                    for (double v : a[o]) sumA += v;
                    double alpha = g == 0 ? 0 : g * g / (2 * g * g + sumA * g * g * g + 1e-6);
                    for (int i = 0; i < plane; i++) {
                        expected[i] += switch (kind) {
                            case "gradcam" -> g * a[o][i];
                            case "gradcam_plus_plus" -> plane * alpha * Math.max(g, 0) * a[o][i];
                            default -> Math.max(g, 0) * a[o][i];
                        };
                    }
                }
                for (int i = 0; i < plane; i++) expected[i] = Math.max(expected[i], 0);
                assertClose(expected, r.map(), 1e-5, backend + " " + kind);
                assertEquals("conv", r.details().get(AttributionResult.LAYER));
            }
        }
        // With no layer named, the last spatial map: the convolution here.
        AttributionResult r = explain(backend, spec, w, xs, MethodCatalogue.method("gradcam")).get(0);
        assertEquals("conv", r.details().get(AttributionResult.LAYER));
    }
}
