package io.noiselens.adversarial;

import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.Preprocessing;
import io.noiselens.random.KeyedRandom;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Untargeted L∞ projected gradient descent (Madry, Makelov, Schmidt, Tsipras, Vladu, ICLR 2018; CleverHans
 * {@code projected_gradient_descent}, the attack of Lim et al.'s retrieval evaluation, METHODS.md §9.1): from x₀
 * (plus a uniform start in the ε-ball when {@code randomStart}), {@code iterations} steps
 * x ← Π(x + α·sign(∇ₓ CE(f(x), y))) with CE = −log p_y, where Π clips to the ε-ball around x₀ and to the valid
 * input range (pixels in [0, 1] through the model's normalisation, per channel). ε and α are in model-input
 * (normalised) units, as in the reference code. FGSM (Goodfellow, Shlens, Szegedy, ICLR 2015) is one step of size
 * ε without the random start. All inputs of a call are attacked together, micro-batched; the random start of an
 * image is keyed by (seed, image id).
 */
public record Pgd(double epsilon, double stepSize, int iterations, boolean randomStart) implements java.io.Serializable {
    public Pgd {
        if (!(epsilon >= 0) || !(stepSize > 0) || iterations < 1) {
            throw new IllegalArgumentException("PGD needs ε ≥ 0, step > 0 and ≥ 1 iteration, got " + epsilon + ", "
                    + stepSize + ", " + iterations);
        }
    }

    /** Lim et al.'s defaults: step 0.01, 40 iterations, random start. */
    public static Pgd lim(double epsilon) {
        return new Pgd(epsilon, 0.01, 40, true);
    }

    public static Pgd fgsm(double epsilon) {
        return new Pgd(epsilon, epsilon, 1, false);
    }

    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attack", iterations == 1 && !randomStart && stepSize == epsilon ? "fgsm" : "pgd_linf");
        m.put("epsilon", epsilon);
        m.put("step_size", stepSize);
        m.put("iterations", iterations);
        m.put("random_start", randomStart);
        m.put("loss", "cross_entropy(label)");
        m.put("units", "model input (normalised)");
        return m;
    }

    /** Adversarial versions of {@code inputs} against classes {@code labels}. */
    public List<float[]> attack(ClassifierModel model, List<float[]> inputs, List<String> ids, int[] labels, long seed,
                                int microBatch) {
        ModelSpec spec = model.spec();
        int plane = spec.height() * spec.width();
        float[] lo = new float[spec.channels()], hi = new float[spec.channels()];
        Preprocessing pre = spec.preprocessing();
        for (int c = 0; c < lo.length; c++) {
            lo[c] = pre.normalise(c, 0f);
            hi[c] = pre.normalise(c, 1f);
        }
        List<float[]> x = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            float[] a = inputs.get(i).clone();
            if (randomStart) {
                long key = KeyedRandom.key(seed, KeyedRandom.Purpose.ADVERSARIAL, KeyedRandom.hash(ids.get(i)));
                for (int k = 0; k < a.length; k++) a[k] += (float) ((2 * KeyedRandom.uniform(key, k) - 1) * epsilon);
                project(a, inputs.get(i), lo, hi, plane);
            }
            x.add(a);
        }
        for (int it = 0; it < iterations; it++) {
            float[][] g = Gradients.of(model, x, labels, OutputSpace.LOG_PROBABILITY, microBatch);
            for (int i = 0; i < x.size(); i++) {
                float[] a = x.get(i);
                // Ascend the cross-entropy −log p_y: step against the gradient of log p_y.
                for (int k = 0; k < a.length; k++) a[k] -= (float) (stepSize * Math.signum(g[i][k]));
                project(a, inputs.get(i), lo, hi, plane);
            }
        }
        return x;
    }

    private void project(float[] a, float[] x0, float[] lo, float[] hi, int plane) {
        for (int k = 0; k < a.length; k++) {
            int c = k / plane;
            float v = Math.max((float) (x0[k] - epsilon), Math.min((float) (x0[k] + epsilon), a[k]));
            a[k] = Math.max(lo[c], Math.min(hi[c], v));
        }
    }
}
