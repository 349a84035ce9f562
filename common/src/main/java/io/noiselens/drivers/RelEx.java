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
import io.noiselens.random.KeyedRandom;

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
        int perChunk = copiesPerChunk(engine, size);
        for (int t = 0; t < iterations; t++) {
            for (int b = 0; b < n; b++) {
                // The copies of (image, iteration) in chunks sized to the memory budget, accumulated in copy order:
                // the same sums as all copies at once.
                Accumulator acc = new Accumulator(size);
                for (int from = 0; from < copies; from += perChunk) {
                    float[][] chunk = copies(batch.inputs().get(b), sigma[b], seed, batch.ids().get(b), t, from,
                            Math.min(copies, from + perChunk));
                    accumulate(engine.model(), chunk, masks[b], targets[b], engine.microBatch(), acc);
                }
                float[] grad = withL1(acc, masks[b], copies).gradient();
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

    /**
     * Noisy copies per chunk under the engine's memory budget: per copy the copy, its masked and complementary inputs
     * and their two gradients, and the stacked and native copies of the two rows in the model call.
     */
    static int copiesPerChunk(AttributionEngine engine, int size) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, engine.options().memoryBudgetBytes() / (4L * 9 * size)));
    }

    /** B noisy copies x + ξ of iteration t, ξ ~ N(0, σ²) keyed by (seed, image, t, copy). */
    static float[][] copies(float[] x, double sigma, long seed, String id, int t, int copies) {
        return copies(x, sigma, seed, id, t, 0, copies);
    }

    /** Copies [from, to) of iteration t (each keyed by its own index, so a chunk is the same numbers). */
    static float[][] copies(float[] x, double sigma, long seed, String id, int t, int from, int to) {
        float[][] out = new float[to - from][x.length];
        long image = KeyedRandom.hash(id);
        for (int j = from; j < to; j++) {
            long key = KeyedRandom.key(seed, KeyedRandom.Purpose.INPUT, image, KeyedRandom.hash("relex"), t, j);
            float[] o = out[j - from];
            KeyedRandom.fillGaussian(key, o, 0, x.length);
            for (int k = 0; k < x.length; k++) o[k] = (float) (x[k] + sigma * o[k]);
        }
        return out;
    }

    /** Running sums of the loss and its mask gradient over an image's noisy copies. */
    static final class Accumulator {
        final double[] g;
        double loss;

        Accumulator(int size) {
            g = new double[size];
        }
    }

    /**
     * L(m) and ∂L/∂m for every image, given its noisy copies: ∂/∂m of −log p_c(x̃⊙m) is −x̃ ⊙ ∇log p_c(x̃⊙m), of
     * −λ₂ log(1 − p_c(v) + 1e−7) with v = x̃⊙(1−m) it is −λ₂ x̃ ⊙ ∇p_c(v) / (1 − p_c(v) + 1e−7), and λ₁ sign(m).
     */
    public LossGradient[] lossAndGradients(ClassifierModel model, List<float[][]> noisy, float[][] masks, int[] targets,
                                           int microBatch) {
        LossGradient[] out = new LossGradient[masks.length];
        for (int b = 0; b < masks.length; b++) {
            Accumulator acc = new Accumulator(masks[b].length);
            accumulate(model, noisy.get(b), masks[b], targets[b], microBatch, acc);
            out[b] = withL1(acc, masks[b], noisy.get(b).length);
        }
        return out;
    }

    /** The mean over the image's {@code copies} copies, with the L1 term of {@code mask}. */
    private LossGradient withL1(Accumulator acc, float[] mask, int copies) {
        double l1norm = 0;
        for (float v : mask) l1norm += Math.abs(v);
        float[] grad = new float[acc.g.length];
        for (int k = 0; k < grad.length; k++) grad[k] = (float) (acc.g[k] / copies + l1 * Math.signum(mask[k]));
        return new LossGradient(acc.loss / copies + l1 * l1norm, grad);
    }

    /** Adds the loss terms and mask gradients of {@code copies} (of one image) to {@code acc}, in copy order. */
    void accumulate(ClassifierModel model, float[][] copies, float[] mask, int target, int microBatch, Accumulator acc) {
        int size = mask.length;
        List<float[]> rows = new ArrayList<>();
        OutputSpace[] spaces = new OutputSpace[2 * copies.length];
        for (int j = 0; j < copies.length; j++) {
            float[] xt = copies[j], kept = new float[size], rest = new float[size];
            for (int k = 0; k < size; k++) {
                kept[k] = xt[k] * mask[k];
                rest[k] = xt[k] * (1 - mask[k]);
            }
            rows.add(kept);
            rows.add(rest);
            spaces[2 * j] = OutputSpace.LOG_PROBABILITY;
            spaces[2 * j + 1] = OutputSpace.PROBABILITY;
        }
        int[] t = new int[rows.size()];
        java.util.Arrays.fill(t, target);
        float[][] grads = Gradients.of(model, rows, t, spaces, microBatch);
        float[][] logits = Gradients.logits(model, rows, microBatch);
        for (int j = 0; j < copies.length; j++) {
            float[] xt = copies[j];
            double logP = OutputSpace.LOG_PROBABILITY.of(logits[2 * j], target);
            double pRest = OutputSpace.PROBABILITY.of(logits[2 * j + 1], target);
            double denom = 1 - pRest + 1e-7;
            acc.loss += -logP - l2 * Math.log(denom);
            float[] gKept = grads[2 * j], gRest = grads[2 * j + 1];
            for (int k = 0; k < size; k++) acc.g[k] += -xt[k] * gKept[k] - l2 * xt[k] * gRest[k] / denom;
        }
    }
}
