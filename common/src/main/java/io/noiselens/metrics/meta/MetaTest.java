package io.noiselens.metrics.meta;

import io.noiselens.model.ModelWeights;
import io.noiselens.noise.WeightNoise;
import io.noiselens.random.KeyedRandom;

import java.util.Locale;

/**
 * MetaQuantus's four perturbation tests (its default suite, METHODS-2.md §B.7): the model's parameters multiplied by
 * N(1, σ²) element-wise (every trainable tensor, as {@link WeightNoise}), σ = 0.001 (resilience: a minor change that
 * should not move the scores) or σ = 2 (adversary: a disruptive one that should); or every input value shifted by
 * U(−ν, ν), ν = 0.001 or 5. Perturbation n of iteration k is keyed by (run seed, test, k, n) — and the image id for
 * input noise — so every executor and retry draws the same.
 */
public enum MetaTest {
    MODEL_RESILIENCE(true, false, 0.001), MODEL_ADVERSARY(true, true, 2.0),
    INPUT_RESILIENCE(false, false, 0.001), INPUT_ADVERSARY(false, true, 5.0);

    private final boolean model, adversary;
    private final double level;

    MetaTest(boolean model, boolean adversary, double level) {
        this.model = model;
        this.adversary = adversary;
        this.level = level;
    }

    public boolean onModel() {
        return model;
    }

    /** Whether the test is disruptive: its scores should change, and it keeps the images whose prediction changed. */
    public boolean adversary() {
        return adversary;
    }

    /** σ of the weight noise or ν of the input noise. */
    public double level() {
        return level;
    }

    /** The perturbation's kind as the meta table names it: model or input. */
    public String kind() {
        return model ? "model" : "input";
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The model's weights under perturbation n of iteration k (tests on the model only). */
    public ModelWeights weights(ModelWeights clean, long runSeed, int iteration, int perturbation, int perturbations) {
        long seed = KeyedRandom.key(runSeed, KeyedRandom.Purpose.PERTURBATION, KeyedRandom.hash("meta/" + key()));
        return new WeightNoise(level).replica(clean, seed, iteration * perturbations + perturbation);
    }

    /** Image {@code id}'s input under perturbation n of iteration k (tests on the input only). */
    public float[] input(float[] x, long runSeed, String id, int iteration, int perturbation) {
        long key = KeyedRandom.key(runSeed, KeyedRandom.Purpose.PERTURBATION, KeyedRandom.hash("meta/" + key()),
                KeyedRandom.hash(id), iteration, perturbation);
        float[] y = new float[x.length];
        for (int j = 0; j < x.length; j++) y[j] = (float) (x[j] + level * (2 * KeyedRandom.uniform(key, j) - 1));
        return y;
    }
}
