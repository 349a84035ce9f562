package io.noiselens.metrics.randomisation;

import io.noiselens.metrics.*;
import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.methods.Methods;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.SmallCnn;
import io.noiselens.model.Tensor;
import io.noiselens.model.Trainer;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** MPRT: the randomisation itself, a linear model worked in closed form, and a trained CNN's cascade. */
class MprtTest {
    /** Explains the inputs with the method and builds a context whose re-explainer is the real engine. */
    @Test
    void randomisationResetsOnlyTheNamedLayersAsPyTorchDoes() {
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 16, 16, 5, Collections.nCopies(5, "c"), Preprocessing.identity(3));
        ModelWeights w = Architectures.initialWeights(spec, 1);
        assertEquals(List.of("fc", "conv4", "conv3", "conv2", "conv1"), Mprt.layersTopDown(w));
        ModelWeights r = Mprt.randomise(w, Set.of("conv2", "fc"), 7);
        for (Tensor t : w.tensors()) {
            float[] after = r.get(t.name()).data();
            if (!t.name().startsWith("conv2.") && !t.name().startsWith("fc.")) {
                assertSame(t.data(), after, t.name() + " untouched");
                continue;
            }
            long fanIn = t.name().startsWith("fc.") ? 64 : 3 * 3 * 16;   // fc [64, 5]; conv2 YXIO [3, 3, 16, 32]
            double bound = 1 / Math.sqrt(fanIn), max = 0, mean = 0;
            for (float v : after) {
                max = Math.max(max, Math.abs(v));
                mean += v / after.length;
            }
            assertTrue(max <= bound, t.name() + ": |w| ≤ 1/√fan_in");
            assertTrue(max > 0.8 * bound, t.name() + ": spread over the whole interval, max " + max + " of " + bound);
            assertEquals(0, mean, bound / 2, t.name());
        }
        assertArrayEquals(r.get("fc.weight").data(), Mprt.randomise(w, Set.of("fc"), 7).get("fc.weight").data(),
                "keyed by seed and tensor name");
    }

    @Test
    void aLinearModelsGradientIsItsWeightColumnBeforeAndAfter() {
        int h = 8, w = 8, k = 3;
        ModelSpec spec = new ModelSpec("linear", 1, h, w, k, Collections.nCopies(k, "c"), Preprocessing.identity(1));
        ModelWeights weights = Architectures.initialWeights(spec, 5);
        List<float[]> xs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            float[] x = new float[h * w];
            KeyedRandom.fillGaussian(i, x, 0, x.length);
            xs.add(x);
        }
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, weights)) {
            MetricContext ctx = Contexts.explained(model, Methods.builder("gradient").target(io.noiselens.attribution.TargetSource.LABEL).build(),
                    xs, new int[]{0, 1, 2}, 21);
            float[] before = weights.get("fc.weight").data(), after = Mprt.randomise(weights, Set.of("fc"), 21).get("fc.weight").data();
            for (int i = 0; i < 3; i++) {
                float[] a = new float[h * w], b = new float[h * w];
                for (int p = 0; p < h * w; p++) {
                    a[p] = Math.abs(before[p * k + i]);
                    b[p] = Math.abs(after[p * k + i]);
                }
                MetricValue spearman = new Mprt(Mprt.Mode.CASCADING, Mprt.Measure.SPEARMAN).score(ctx, i);
                assertEquals(1, spearman.curve().length, "one layer");
                assertEquals(Similarity.spearman(a, b), spearman.value(), 1e-6);
                assertEquals(Similarity.ssim(a, b, h, w), new Mprt(Mprt.Mode.INDEPENDENT, Mprt.Measure.SSIM).score(ctx, i).value(), 1e-5);
            }
            assertArrayEquals(before, model.weights().get("fc.weight").data(), "the model's own weights are restored");
        }
    }

    @Test
    void similarityFallsAsMoreLayersOfATrainedCnnAreRandomised() {
        SyntheticShapes data = new SyntheticShapes(5, 32);
        List<LabeledImage> train = new ArrayList<>(), test = new ArrayList<>();
        for (int i = 0; i < 800; i++) train.add(data.image("train", i));
        for (int i = 0; i < 8; i++) test.add(data.image("test", i));
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, 32, 32, 5, SyntheticShapes.CLASSES, Preprocessing.identity(3));
        Trainer.Result trained = Trainer.train(spec, train, test, new Trainer.Settings(2, 32, 3e-3, 1), m -> {});
        List<float[]> xs = new ArrayList<>();
        int[] labels = new int[test.size()];
        for (int i = 0; i < test.size(); i++) {
            xs.add(Trainer.modelInput(spec, test.get(i)));
            labels[i] = test.get(i).label();
        }
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, trained.weights())) {
            MetricContext ctx = Contexts.explained(model, Methods.builder("gradient").build(), xs, labels, 3);
            for (Mprt.Measure measure : Mprt.Measure.values()) {
                Mprt cascading = new Mprt(Mprt.Mode.CASCADING, measure), independent = new Mprt(Mprt.Mode.INDEPENDENT, measure);
                double[] mean = new double[5];
                for (int i = 0; i < xs.size(); i++) {
                    double[] c = cascading.score(ctx, i).curve();
                    for (int k = 0; k < 5; k++) mean[k] += c[k] / xs.size();
                    // The first step of both modes randomises the output layer alone.
                    assertEquals(c[0], independent.score(ctx, i).curve()[0], 1e-9);
                }
                System.out.println("MPRT cascading " + measure + " mean similarity per step: " + java.util.Arrays.toString(mean));
                assertTrue(mean[4] < mean[0] - 0.1, measure + ": fully randomised " + mean[4] + " vs output layer only " + mean[0]);
                assertTrue(mean[4] < 0.5, measure + ": a fully randomised network's maps are dissimilar: " + mean[4]);
            }
        }
    }
}
