package io.noiselens.attribution;

import io.noiselens.methods.MethodCatalogue;
import io.noiselens.model.Architectures;
import io.noiselens.model.Backend;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.NativeArrays;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SmallCnn;
import io.noiselens.model.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static io.noiselens.attribution.NewFamiliesClosedFormTest.assertClose;
import static io.noiselens.attribution.NewFamiliesClosedFormTest.inputs;
import static org.junit.jupiter.api.Assertions.*;

/**
 * LRP and DeepLift through the engine, on both engines, against propagation worked by hand in float64 on the
 * one-hidden-layer MLP (x → dense → ReLU → dense): LRP's composites (αβ, Flat, z^B or ε on the first layer, ε on the
 * last) rule by rule, DeepLift's secant multipliers; and LRP's conservation: with ε → 0 and no biases, LRP-ε of a ReLU
 * network with max pooling is gradient × input and sums to the logit.
 */
class PropagationClosedFormTest {
    static final int C = 2, H = 3, W = 3, K = 3;
    static final ModelSpec MLP = new ModelSpec("mlp", C, H, W, K, List.of("a", "b", "c"), new Preprocessing(
            new float[]{0.4f, 0.5f}, new float[]{0.2f, 0.25f}, new float[]{0.3f, 0.6f}));

    /** The MLP's pieces in float64: W1 [D, J], b1, W2 [J, K], b2. */
    record Mlp(double[][] w1, double[] b1, double[][] w2, double[] b2) {
        static Mlp of(ModelWeights w) {
            float[] a = w.get("hidden.weight").data(), b = w.get("hidden.bias").data();
            float[] c = w.get("fc.weight").data(), d = w.get("fc.bias").data();
            int in = C * H * W, hid = b.length;
            double[][] w1 = new double[in][hid], w2 = new double[hid][K];
            for (int i = 0; i < in; i++) for (int j = 0; j < hid; j++) w1[i][j] = a[i * hid + j];
            for (int j = 0; j < hid; j++) for (int k = 0; k < K; k++) w2[j][k] = c[j * K + k];
            double[] b1 = new double[hid], b2 = new double[K];
            for (int j = 0; j < hid; j++) b1[j] = b[j];
            for (int k = 0; k < K; k++) b2[k] = d[k];
            return new Mlp(w1, b1, w2, b2);
        }

        double[] z1(float[] x) {
            double[] z = b1.clone();
            for (int i = 0; i < x.length; i++) for (int j = 0; j < z.length; j++) z[j] += x[i] * w1[i][j];
            return z;
        }

        double z2(double[] h, int c) {
            double z = b2[c];
            for (int j = 0; j < h.length; j++) z += h[j] * w2[j][c];
            return z;
        }
    }

    static double stab(double v, double eps) {
        return v + eps * (v >= 0 ? 1 : -1);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void lrpCompositesOnAnMlpMatchHandWorkedPropagation(Backend backend) {
        ModelWeights w = Architectures.initialWeights(MLP, 11);
        Mlp m = Mlp.of(w);
        List<float[]> xs = inputs(3, MLP.inputSize(), 12);
        double eps = 1e-6, st = 1e-6;
        for (String composite : List.of("epsilon", "epsilon_alpha_beta", "epsilon_plus_flat", "epsilon_gamma_box")) {
            AttributionMethod method = MethodCatalogue.method("lrp", "composite", composite, "channel_reduction", "none");
            for (AttributionResult r : NewFamiliesClosedFormTest.explain(backend, MLP, w, xs, method)) {
                float[] x = xs.get(r.index());
                int c = r.target(), in = x.length, hid = m.b1().length;
                double[] z1 = m.z1(x), h = new double[hid];
                for (int j = 0; j < hid; j++) h[j] = Math.max(z1[j], 0);
                double z2 = m.z2(h, c);
                // Last layer, ε: R_j = h_j w_jc · z2 / stab(z2); the ReLU passes it to z1_j.
                double[] rHidden = new double[hid];
                for (int j = 0; j < hid; j++) rHidden[j] = h[j] * m.w2()[j][c] * z2 / stab(z2, eps);
                double[] expected = new double[in];
                for (int j = 0; j < hid; j++) {
                    switch (composite) {
                        case "epsilon" -> {
                            double s = rHidden[j] / stab(z1[j], eps);
                            for (int i = 0; i < in; i++) expected[i] += x[i] * m.w1()[i][j] * s;
                        }
                        case "epsilon_alpha_beta" -> {
                            double sumP = Math.max(m.b1()[j], 0), sumN = Math.min(m.b1()[j], 0);
                            double[] cp = new double[in], cn = new double[in];
                            for (int i = 0; i < in; i++) {
                                double xw = x[i] * m.w1()[i][j];
                                cp[i] = Math.max(xw, 0);
                                cn[i] = Math.min(xw, 0);
                                sumP += cp[i];
                                sumN += cn[i];
                            }
                            for (int i = 0; i < in; i++) {
                                expected[i] += rHidden[j] * (2 * cp[i] / stab(sumP, st) - cn[i] / stab(sumN, st));
                            }
                        }
                        case "epsilon_plus_flat" -> {
                            for (int i = 0; i < in; i++) expected[i] += rHidden[j] / stab(in, st);
                        }
                        default -> {
                            // z^B with l, h the model-space images of pixel values 0 and 1.
                            double zb = z1[j];
                            double[] num = new double[in];
                            for (int i = 0; i < in; i++) {
                                int ch = i / (H * W);
                                double lo = MLP.preprocessing().normalise(ch, 0f), hi = MLP.preprocessing().normalise(ch, 1f);
                                double wij = m.w1()[i][j];
                                num[i] = x[i] * wij - lo * Math.max(wij, 0) - hi * Math.min(wij, 0);
                                zb -= lo * Math.max(wij, 0) + hi * Math.min(wij, 0);
                            }
                            for (int i = 0; i < in; i++) expected[i] += rHidden[j] * num[i] / stab(zb, st);
                        }
                    }
                }
                assertClose(expected, r.map(), 1e-4, backend + " lrp " + composite);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void deepLiftMultipliersAreSecantsAndSumToTheDelta(Backend backend) {
        ModelWeights w = Architectures.initialWeights(MLP, 13);
        Mlp m = Mlp.of(w);
        List<float[]> xs = inputs(3, MLP.inputSize(), 14);
        float[] ref = Baseline.MEAN.image(MLP);
        for (AttributionResult r : NewFamiliesClosedFormTest.explain(backend, MLP, w, xs,
                MethodCatalogue.method("deeplift", "baseline", "mean", "channel_reduction", "none"))) {
            float[] x = xs.get(r.index());
            int c = r.target(), hid = m.b1().length;
            double[] z1 = m.z1(x), z1r = m.z1(ref);
            double[] expected = new double[x.length];
            double sum = 0;
            for (int j = 0; j < hid; j++) {
                double dz = z1[j] - z1r[j];
                double mult = Math.abs(dz) < 1e-10 + 1e-5 * (Math.abs(z1[j]) + Math.abs(z1r[j])) ? (z1[j] > 0 ? 1 : 0) : (Math.max(z1[j], 0) - Math.max(z1r[j], 0)) / dz;
                for (int i = 0; i < x.length; i++) expected[i] += ((double) x[i] - ref[i]) * m.w1()[i][j] * mult * m.w2()[j][c];
            }
            for (double v : expected) sum += v;
            double[] h = new double[hid], hr = new double[hid];
            for (int j = 0; j < hid; j++) {
                h[j] = Math.max(z1[j], 0);
                hr[j] = Math.max(z1r[j], 0);
            }
            assertClose(expected, r.map(), 1e-4, backend + " deeplift");
            // Summation to delta, and the engine's convergence delta: Σ A − (f(x) − f(x′)).
            assertEquals(m.z2(h, c) - m.z2(hr, c), sum, 1e-9 * Math.max(1, Math.abs(sum)));
            assertEquals(0, r.igDelta(), 1e-4 * Math.max(1, Math.abs(sum)));
        }
    }

    /** Conservation: LRP-ε with ε → 0 on a ReLU/max-pool network without biases is gradient × input, Σ R = f_c(x). */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void lrpEpsilonWithoutBiasesIsGradientTimesInputAndConservesTheLogit(Backend backend) {
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 16, 16, 5, List.of("a", "b", "c", "d", "e"),
                Preprocessing.identity(3));
        List<Tensor> zeroBias = new ArrayList<>();
        for (Tensor t : Architectures.initialWeights(spec, 15).tensors()) {
            zeroBias.add(t.name().endsWith(".bias") ? new Tensor(t.name(), t.shape(), new float[t.data().length], t.trainable()) : t);
        }
        ModelWeights w = new ModelWeights(zeroBias);
        List<float[]> xs = inputs(2, spec.inputSize(), 16);
        List<AttributionResult> lrp = NewFamiliesClosedFormTest.explain(backend, spec, w, xs,
                MethodCatalogue.method("lrp", "composite", "epsilon", "epsilon", 1e-12, "channel_reduction", "none"));
        List<AttributionResult> gxi = NewFamiliesClosedFormTest.explain(backend, spec, w, xs,
                MethodCatalogue.method("gradient_x_input", "channel_reduction", "none"));
        try (ClassifierModel model = backend.create(spec, w)) {
            for (int b = 0; b < xs.size(); b++) {
                double[] expected = new double[gxi.get(b).map().length];
                for (int i = 0; i < expected.length; i++) expected[i] = gxi.get(b).map()[i];
                assertClose(expected, lrp.get(b).map(), 1e-4, backend + " LRP-0 vs gradient × input");
                float[] logits = NativeArrays.drainRows(model.logits(NativeArrays.of(xs.get(b), 1, 3, 16, 16)), 1)[0];
                double sum = 0;
                for (float v : lrp.get(b).map()) sum += v;
                assertEquals(logits[lrp.get(b).target()], sum, 1e-4 * Math.max(1, Math.abs(sum)), backend + " Σ R = f_c(x)");
            }
        }
    }
}
