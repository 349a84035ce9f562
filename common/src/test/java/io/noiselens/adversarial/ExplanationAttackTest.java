package io.noiselens.adversarial;

import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.DemoModelTest;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.Trainer;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Ghorbani et al.'s top-k attack: its objective's gradient by hand, and a targeted, label-preserving attack. */
class ExplanationAttackTest {
    @Test
    void objectiveGradientMatchesDifferencesOfTheTopKMass() {
        int plane = 9, channels = 2;
        float[] g = new float[channels * plane];
        KeyedRandom.fillGaussian(5, g, 0, g.length);
        boolean[] top = ExplanationAttack.topK(ExplanationAttack.saliency(g, plane), 3);
        float[] u = ExplanationAttack.objectiveGradient(g, top, plane);
        for (int p = 0; p < g.length; p++) {
            float[] up = g.clone(), down = g.clone();
            up[p] += 1e-3f;
            down[p] -= 1e-3f;
            double fd = (mass(up, top, plane) - mass(down, top, plane)) / 2e-3;
            assertEquals(fd, u[p], 1e-3 * Math.max(1, Math.abs(fd)), "∂D/∂g at " + p);
        }
    }

    static double mass(float[] g, boolean[] top, int plane) {
        double[] s = ExplanationAttack.saliency(g, plane);
        double d = 0;
        for (int p = 0; p < plane; p++) if (top[p]) d += s[p];
        return d;
    }

    @Test
    void theAttackMovesTheSaliencyMoreThanRandomNoiseAndKeepsTheLabel() throws Exception {
        ModelFile.Loaded loaded = ModelFile.load(DemoModelTest.trained());
        ModelSpec spec = loaded.spec();
        SyntheticShapes data = new SyntheticShapes(77, spec.height());
        List<float[]> xs = new ArrayList<>();
        int n = 4;
        int[] labels = new int[n];
        ExplanationAttack attack = ExplanationAttack.defaults(15);
        int plane = spec.height() * spec.width(), k = attack.k(plane);
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, loaded.weights())) {
            for (int i = 0; i < n; i++) xs.add(Trainer.modelInput(spec, data.image("g", i)));
            float[][] logits = Gradients.logits(model, xs, 8);
            for (int i = 0; i < n; i++) labels[i] = Gradients.argmax(logits[i]);
            List<float[]> attacked = attack.attack(model, xs, labels, 16);
            // The random baseline of the paper: ±ε on every value, same budget.
            List<float[]> random = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[] r = xs.get(i).clone();
                for (int p = 0; p < r.length; p++) {
                    int c = p / plane;
                    float e = (float) (attack.epsilonPixels() * (spec.preprocessing().normalise(c, 1f) - spec.preprocessing().normalise(c, 0f)));
                    r[p] = Math.max(spec.preprocessing().normalise(c, 0f), Math.min(spec.preprocessing().normalise(c, 1f),
                            r[p] + (KeyedRandom.uniform(i, p) < 0.5 ? -e : e)));
                }
                random.add(r);
            }
            float[][] g0 = Gradients.of(model, xs, labels, OutputSpace.LOGIT, 8), ga = Gradients.of(model, attacked, labels, OutputSpace.LOGIT, 8),
                    gr = Gradients.of(model, random, labels, OutputSpace.LOGIT, 8);
            float[][] la = Gradients.logits(model, attacked, 8);
            double attackedMean = 0, randomMean = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(labels[i], Gradients.argmax(la[i]), "the prediction is kept");
                boolean[] before = ExplanationAttack.topK(ExplanationAttack.saliency(g0[i], plane), k);
                attackedMean += ExplanationAttack.intersection(before, ExplanationAttack.topK(ExplanationAttack.saliency(ga[i], plane), k), k) / n;
                randomMean += ExplanationAttack.intersection(before, ExplanationAttack.topK(ExplanationAttack.saliency(gr[i], plane), k), k) / n;
                for (int p = 0; p < xs.get(i).length; p++) {
                    int c = p / plane;
                    double e = attack.epsilonPixels() * (spec.preprocessing().normalise(c, 1f) - spec.preprocessing().normalise(c, 0f));
                    assertTrue(Math.abs(attacked.get(i)[p] - xs.get(i)[p]) <= e + 1e-5, "inside the ε-ball");
                }
            }
            System.out.printf("top-%d intersection after the attack %.3f, after random ±ε %.3f%n", k, attackedMean, randomMean);
            assertTrue(attackedMean < randomMean, "targeted " + attackedMean + " vs random " + randomMean);
            assertTrue(attackedMean < 0.9, "the attack moves the top-k: " + attackedMean);
        }
    }
}
