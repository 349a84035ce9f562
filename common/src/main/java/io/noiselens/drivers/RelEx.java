package io.noiselens.drivers;

import io.noiselens.adversarial.Gradients;
import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.Driver;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.OutputSpace;
import io.noiselens.noise.InputNoise;
import io.noiselens.noise.KeyedRandom;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RelEx, locally smoothed saliency (Lim, Lee, Kim, "Building Reliable Explanations of Unreliable Neural Networks:
 * Locally Smoothing Perspective of Model Interpretation", CVPR 2021; code {@code optim_methods/relex.py};
 * METHODS.md §4): a mask m ∈ [0, 1]^{C×H×W} minimising, over B noisy copies x̃_b = x + ξ_b redrawn every iteration,
 * L(m) = (1/B) Σ_b [−log p_c(x̃_b ⊙ m) − λ₂ log(1 − p_c(x̃_b ⊙ (1 − m)) + 1e−7)] + λ₁‖m‖₁. m starts U(0, 0.01);
 * each iteration takes ∇L, rescales it to unit L2 norm, and steps SGD with learning rate 0.1 and momentum 0.99,
 * clamping m to [0, 1]. The reference defaults: B = 50, noise 0.1 × (max x − min x), λ₁ = 1e−4, λ₂ = 1, 50
 * iterations. The mask is the map. Per iteration the 2B masked copies of every image of the batch go through one
 * batched gradient pass and the B preserved-complement copies through one forward pass; all draws are keyed by
 * (seed, image id, iteration, copy).
 */
public record RelEx(int iterations, double l1, double l2, double learningRate, double momentum) implements Driver {
    public static RelEx defaults() {
        return new RelEx(50, 1e-4, 1.0, 0.1, 0.99);
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("driver", "relex");
        m.put("relex_iterations", iterations);
        m.put("relex_l1", l1);
        m.put("relex_l2", l2);
        m.put("relex_lr", learningRate);
        m.put("relex_momentum", momentum);
        m.put("relex_init", "U(0, 0.01)");
        m.put("relex_gradient", "unit L2 norm");
        return m;
    }

    /** The loss and its gradient with respect to the mask for fixed noisy copies (what one iteration sees). */
    public record LossGradient(double loss, float[] gradient) {}

    @Override
    public List<AttributionResult> explain(AttributionEngine engine, ExplainBatch batch, AttributionMethod method,
                                           int[] targets) {
        int n = batch.size(), size = engine.model().spec().inputSize(), copies = method.plan().samples();
        InputNoise noise = method.plan().inputNoise();
        long seed = engine.options().runSeed();
        float[][] masks = new float[n][size], velocity = new float[n][size];
        double[] sigma = new double[n];
        for (int b = 0; b < n; b++) {
            long key = KeyedRandom.key(seed, KeyedRandom.Purpose.INPUT, KeyedRandom.hash(batch.ids().get(b)), KeyedRandom.hash("relex-init"));
            for (int k = 0; k < size; k++) masks[b][k] = (float) (0.01 * KeyedRandom.uniform(key, k));
            sigma[b] = noise.absoluteSigma(batch.inputs().get(b));
        }
        for (int t = 0; t < iterations; t++) {
            List<float[][]> noisy = new ArrayList<>();
            for (int b = 0; b < n; b++) noisy.add(copies(batch.inputs().get(b), sigma[b], seed, batch.ids().get(b), t, copies));
            LossGradient[] g = lossAndGradients(engine.model(), noisy, masks, targets, engine.microBatch());
            for (int b = 0; b < n; b++) {
                float[] grad = g[b].gradient();
                double norm = 0;
                for (float v : grad) norm += (double) v * v;
                norm = Math.sqrt(norm);
                for (int k = 0; k < size; k++) {
                    velocity[b][k] = (float) (momentum * velocity[b][k] + (norm > 0 ? grad[k] / norm : 0));
                    masks[b][k] = (float) Math.max(0, Math.min(1, masks[b][k] - learningRate * velocity[b][k]));
                }
            }
        }
        List<AttributionResult> out = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            out.add(engine.result(b, method, targets[b], masks[b], (long) iterations * copies * 2));
        }
        return out;
    }

    /** B noisy copies x + ξ of iteration t, ξ ~ N(0, σ²) keyed by (seed, image, t, copy). */
    static float[][] copies(float[] x, double sigma, long seed, String id, int t, int copies) {
        float[][] out = new float[copies][x.length];
        long image = KeyedRandom.hash(id);
        for (int j = 0; j < copies; j++) {
            long key = KeyedRandom.key(seed, KeyedRandom.Purpose.INPUT, image, KeyedRandom.hash("relex"), t, j);
            KeyedRandom.fillGaussian(key, out[j], 0, x.length);
            for (int k = 0; k < x.length; k++) out[j][k] = (float) (x[k] + sigma * out[j][k]);
        }
        return out;
    }

    /**
     * L(m) and ∂L/∂m for every image, given its noisy copies: ∂/∂m of −log p_c(x̃⊙m) is −x̃ ⊙ ∇log p_c(x̃⊙m), of
     * −λ₂ log(1 − p_c(v) + 1e−7) with v = x̃⊙(1−m) it is −λ₂ x̃ ⊙ ∇p_c(v) / (1 − p_c(v) + 1e−7), and λ₁ sign(m).
     */
    public LossGradient[] lossAndGradients(ClassifierModel model, List<float[][]> noisy, float[][] masks, int[] targets,
                                           int microBatch) {
        int n = masks.length, size = masks[0].length;
        List<float[]> rows = new ArrayList<>();
        List<Integer> rowTargets = new ArrayList<>();
        List<OutputSpace> spaces = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            for (float[] xt : noisy.get(b)) {
                float[] kept = new float[size], rest = new float[size];
                for (int k = 0; k < size; k++) {
                    kept[k] = xt[k] * masks[b][k];
                    rest[k] = xt[k] * (1 - masks[b][k]);
                }
                rows.add(kept);
                rows.add(rest);
                rowTargets.add(targets[b]);
                rowTargets.add(targets[b]);
                spaces.add(OutputSpace.LOG_PROBABILITY);
                spaces.add(OutputSpace.PROBABILITY);
            }
        }
        int[] t = rowTargets.stream().mapToInt(Integer::intValue).toArray();
        float[][] grads = Gradients.of(model, rows, t, spaces.toArray(OutputSpace[]::new), microBatch);
        float[][] logits = Gradients.logits(model, rows, microBatch);
        LossGradient[] out = new LossGradient[n];
        int row = 0;
        for (int b = 0; b < n; b++) {
            float[][] xs = noisy.get(b);
            double[] g = new double[size];
            double loss = 0, l1norm = 0;
            for (float v : masks[b]) l1norm += Math.abs(v);
            for (float[] xt : xs) {
                double logP = OutputSpace.LOG_PROBABILITY.of(logits[row], targets[b]);
                double pRest = OutputSpace.PROBABILITY.of(logits[row + 1], targets[b]);
                double denom = 1 - pRest + 1e-7;
                loss += -logP - l2 * Math.log(denom);
                float[] gKept = grads[row], gRest = grads[row + 1];
                for (int k = 0; k < size; k++) g[k] += -xt[k] * gKept[k] - l2 * xt[k] * gRest[k] / denom;
                row += 2;
            }
            float[] grad = new float[size];
            for (int k = 0; k < size; k++) grad[k] = (float) (g[k] / xs.length + l1 * Math.signum(masks[b][k]));
            out[b] = new LossGradient(loss / xs.length + l1 * l1norm, grad);
        }
        return out;
    }
}
