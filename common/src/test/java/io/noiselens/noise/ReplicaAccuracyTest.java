package io.noiselens.noise;

import io.noiselens.random.KeyedRandom;

import io.noiselens.model.Architectures;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Replica accuracy of a linear model against predictions computed by hand from the replica's weights. */
class ReplicaAccuracyTest {
    static final int D = 12, K = 3;

    static int predict(ModelWeights w, float[] x) {
        float[] fw = w.get("fc.weight").data(), fb = w.get("fc.bias").data();
        int best = 0;
        double bestV = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < K; k++) {
            double v = fb[k];
            for (int i = 0; i < D; i++) v += x[i] * fw[i * K + k];
            if (v > bestV) {
                bestV = v;
                best = k;
            }
        }
        return best;
    }

    @Test
    void countsMatchHandPredictionsAndCleanWeightsAreRestored() {
        ModelSpec spec = new ModelSpec("linear", 1, 3, 4, K, Collections.nCopies(K, "k"), Preprocessing.identity(1));
        ModelWeights clean = Architectures.initialWeights(spec, 5);
        List<float[]> xs = new ArrayList<>();
        int[] labels = new int[60];
        for (int i = 0; i < 60; i++) {
            float[] x = new float[D];
            KeyedRandom.fillGaussian(i, x, 0, D);
            xs.add(x);
            labels[i] = predict(clean, x) == 0 && i % 2 == 0 ? 1 : predict(clean, x); // some clean mistakes too
        }
        WeightNoise noise = new WeightNoise(0.8);
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, clean)) {
            long[] c = ReplicaAccuracy.correct(model, xs, labels, noise, 4, 77, 7);
            for (int r = 0; r <= 4; r++) {
                ModelWeights w = r == 0 ? clean : noise.replica(clean, 77, r - 1);
                long expected = 0;
                for (int i = 0; i < 60; i++) if (predict(w, xs.get(i)) == labels[i]) expected++;
                assertEquals(expected, c[r], "replica " + (r - 1));
            }
            assertSame(clean, model.weights());
            assertTrue(c[0] > c[1] || c[0] > c[2] || c[0] > c[3] || c[0] > c[4], "σ_w = 0.8 should hurt some replica");
            long[] none = ReplicaAccuracy.correct(model, xs, labels, new WeightNoise(0), 2, 77, 7);
            assertEquals(none[0], none[1]);
            assertEquals(none[0], none[2]);
        }
    }
}
