package io.noiselens.drivers;

import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.ChannelReduction;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.methods.Methods;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.Architectures;
import io.noiselens.model.DemoModelTest;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.Trainer;
import io.noiselens.noise.InputNoise;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** RelEx: its loss gradient against finite differences, and masks that get sparser as the L1 weight grows. */
class RelExTest {
    @Test
    void maskGradientMatchesCentralDifferencesOfTheLoss() {
        int h = 4, w = 4, k = 3;
        ModelSpec spec = new ModelSpec("mlp", 1, h, w, k, Collections.nCopies(k, "c"), Preprocessing.identity(1));
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, Architectures.initialWeights(spec, 5),
                org.nd4j.linalg.api.buffer.DataType.DOUBLE)) {
            float[] x = new float[h * w];
            KeyedRandom.fillGaussian(1, x, 0, x.length);
            float[][] copies = RelEx.copies(x, 0.3, 2, "a", 0, 4);
            float[] m = new float[x.length];
            for (int i = 0; i < m.length; i++) m[i] = (float) (0.2 + 0.6 * KeyedRandom.uniform(9, i)); // away from 0
            RelEx relex = new RelEx(1, 0.05, 0.7, 0.1, 0.99);
            RelEx.LossGradient lg = relex.lossAndGradients(model, List.<float[][]>of(copies), new float[][]{m}, new int[]{1}, 8)[0];
            for (int i = 0; i < m.length; i += 3) {
                float[] up = m.clone(), down = m.clone();
                double step = 1e-3;
                up[i] += step;
                down[i] -= step;
                double lu = relex.lossAndGradients(model, List.<float[][]>of(copies), new float[][]{up}, new int[]{1}, 8)[0].loss();
                double ld = relex.lossAndGradients(model, List.<float[][]>of(copies), new float[][]{down}, new int[]{1}, 8)[0].loss();
                double fd = (lu - ld) / (2 * step);
                assertEquals(fd, lg.gradient()[i], 2e-3 * Math.max(1, Math.abs(fd)), "∂L/∂m at " + i);
            }
        }
    }

    @Test
    void masksAreSparserAsTheL1PenaltyGrows() throws Exception {
        ModelFile.Loaded loaded = ModelFile.load(DemoModelTest.trained());
        ModelSpec spec = loaded.spec();
        SyntheticShapes data = new SyntheticShapes(31, spec.height());
        List<float[]> xs = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            xs.add(Trainer.modelInput(spec, data.image("relex", i)));
            ids.add("m" + i);
        }
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, loaded.weights())) {
            AttributionEngine engine = new AttributionEngine(model, EngineOptions.defaults(3));
            double previous = Double.POSITIVE_INFINITY;
            for (double l1 : new double[]{0, 1e-3, 1e-2}) {
                AttributionMethod m = Methods.builder("relex").samples(6).inputNoise(0.1, InputNoise.Mode.RANGE_FRACTION)
                        .channelReduction(ChannelReduction.NONE).driver(new RelEx(25, l1, 1.0, 0.1, 0.99)).build();
                double mass = 0;
                for (AttributionResult r : engine.explain(new ExplainBatch(ids, xs, new int[3]), List.of(m)).results()) {
                    assertEquals(spec.inputSize(), r.map().length, "a C×H×W mask");
                    for (float v : r.map()) {
                        assertTrue(v >= 0 && v <= 1, "mask values in [0, 1]");
                        mass += v / r.map().length / xs.size();
                    }
                }
                System.out.printf("RelEx λ1 = %.0e: mean mask %.4f%n", l1, mass);
                assertTrue(mass < previous, "λ1 = " + l1 + ": mean mask " + mass + " after " + previous);
                previous = mass;
            }
        }
    }

    /**
     * Noisy copies streamed in chunks of two (a tiny memory budget) give the masks of all copies at once: the
     * copies are keyed by their index and summed in the same order.
     */
    @Test
    void chunkedCopiesGiveTheSameMasks() {
        int h = 8, w = 8, k = 3;
        ModelSpec spec = new ModelSpec("mlp", 1, h, w, k, Collections.nCopies(k, "c"), Preprocessing.identity(1));
        List<float[]> xs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            float[] x = new float[h * w];
            KeyedRandom.fillGaussian(10 + i, x, 0, x.length);
            xs.add(x);
        }
        AttributionMethod m = Methods.builder("relex").samples(5).inputNoise(0.1, InputNoise.Mode.RANGE_FRACTION)
                .channelReduction(ChannelReduction.NONE).driver(new RelEx(4, 1e-3, 1.0, 0.1, 0.99)).build();
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, Architectures.initialWeights(spec, 5))) {
            AttributionEngine whole = new AttributionEngine(model, EngineOptions.defaults(3));
            AttributionEngine chunked = new AttributionEngine(model, new EngineOptions(3, 64, 2L * 4 * 9 * h * w));
            assertEquals(2, RelEx.copiesPerChunk(chunked, h * w));
            assertTrue(RelEx.copiesPerChunk(whole, h * w) >= 5);
            ExplainBatch batch = new ExplainBatch(List.of("a", "b"), xs, new int[2]);
            List<AttributionResult> a = whole.explain(batch, List.of(m)).results();
            List<AttributionResult> b = chunked.explain(batch, List.of(m)).results();
            for (int i = 0; i < 2; i++) assertArrayEquals(a.get(i).map(), b.get(i).map(), 1e-6f, "mask " + i);
        }
    }
}
