package io.noiselens.metrics.robustness;

import io.noiselens.methods.MethodCatalogue;
import io.noiselens.metrics.Contexts;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricValue;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.noiselens.metrics.robustness.ContinuityTest.H;
import static io.noiselens.metrics.robustness.ContinuityTest.K;
import static io.noiselens.metrics.robustness.ContinuityTest.SPEC;
import static io.noiselens.metrics.robustness.ContinuityTest.W;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Relative input, output and representation stability on the linear model, with the real engine re-explaining: the gradient does not move (0);
 * Gradient × Input moves by (x − x′) ⊙ w, so its relative change equals the input's and the score is exactly 1; a
 * copy that changes the prediction makes the score NaN with the count. ROS and RRS of Gradient × Input against the
 * logits written out.
 */
class RelativeStabilityTest {
    @Test
    void gradientIsStableGradientTimesInputScoresOneAndAPredictionChangeIsNaN() {
        // Class 0 far ahead (bias 100): ±0.02 of noise cannot change the prediction.
        List<Tensor> ts = new ArrayList<>();
        for (Tensor t : Architectures.initialWeights(SPEC, 41).tensors()) {
            float[] d = t.data().clone();
            if (t.name().equals("fc.bias")) d[0] = 100;
            ts.add(new Tensor(t.name(), t.shape(), d, t.trainable()));
        }
        ModelWeights w = new ModelWeights(ts);
        float[] x = new float[H * W];
        for (int p = 0; p < x.length; p++) x[p] = 0.5f + 0.01f * (p % 7);
        RelativeStability ris = new RelativeStability(RelativeStability.Kind.INPUT, 5, true);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            MetricContext g = Contexts.explained(model, MethodCatalogue.method("gradient"), List.of(x), new int[]{0}, 3);
            assertEquals(0, ris.score(g, 0).value(), 1e-9);
            MetricContext gxi = Contexts.explained(model, MethodCatalogue.method("gradient_x_input"), List.of(x),
                    new int[]{0}, 3);
            assertEquals(1, ris.score(gxi, 0).value(), 1e-3);
            // ROS and RRS of Gradient × Input from the same copies, written out: the numerator is ‖(x − x′)/x‖ (the
            // map moves as the input does); the logits are W x + b, and the linear model's one layer is its logits.
            Sensitivity.UniformNoise noise = new Sensitivity.UniformNoise(RelativeStability.NOISE);
            float[] fc = w.get("fc.weight").data(), bias = w.get("fc.bias").data();
            double ros = 0, rrs = 0;
            for (int s = 0; s < 5; s++) {
                float[] xp = io.noiselens.metrics.PerturbedMaps.copy(gxi, noise, 0, s);
                double num = RelativeStability.relative(x, xp), out = 0, rep = 0;
                for (int k = 0; k < K; k++) {
                    double l = bias[k], lp = bias[k];
                    for (int p = 0; p < H * W; p++) {
                        l += (double) fc[p * K + k] * x[p];
                        lp += (double) fc[p * K + k] * xp[p];
                    }
                    out += (l - lp) * (l - lp);
                    rep += ((l - lp) / l) * ((l - lp) / l);
                }
                ros = Math.max(ros, num / Math.sqrt(out));
                rrs = Math.max(rrs, num / Math.sqrt(rep));
            }
            MetricValue o = new RelativeStability(RelativeStability.Kind.OUTPUT, 5, true).score(gxi, 0);
            MetricValue r = new RelativeStability(RelativeStability.Kind.REPRESENTATION, 5, true).score(gxi, 0);
            assertEquals(ros, o.value(), 1e-3 * ros);
            assertEquals(rrs, r.value(), 1e-3 * rrs);
            assertEquals(0, new RelativeStability(RelativeStability.Kind.OUTPUT, 5, true).score(g, 0).value(), 1e-9);
        }
        // A tie between classes 0 and 1 at x: some noisy copies fall to class 1.
        List<Tensor> tie = new ArrayList<>();
        for (Tensor t : Architectures.initialWeights(SPEC, 41).tensors()) {
            float[] d = new float[t.data().length];
            if (t.name().equals("fc.weight")) for (int p = 0; p < H * W; p++) d[p * K] = p % 2 == 0 ? 1 : -1;
            tie.add(new Tensor(t.name(), t.shape(), d, t.trainable()));
        }
        float[] flat = new float[H * W];
        java.util.Arrays.fill(flat, 0.5f);
        flat[0] = 0.5001f;   // class 0 by a hair
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, new ModelWeights(tie))) {
            MetricContext ctx = Contexts.explained(model, MethodCatalogue.method("gradient"), List.of(flat), new int[]{0}, 3);
            MetricValue v = ris.score(ctx, 0);
            assertTrue(Double.isNaN(v.value()) && v.nanReason().contains("change the predicted class"), v.toString());
            // The option off scores the copies anyway; on Max-Sensitivity (off by default) it NaNs the same copies.
            assertTrue(Double.isFinite(new RelativeStability(RelativeStability.Kind.INPUT, 5, false).score(ctx, 0).value()));
            assertTrue(Double.isNaN(new Sensitivity(true, 5, 0.02, true).score(ctx, 0).value()));
            assertTrue(Double.isFinite(new Sensitivity(true, 5, 0.02, false).score(ctx, 0).value()));
        }
    }
}
