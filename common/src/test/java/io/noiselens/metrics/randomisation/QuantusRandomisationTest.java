package io.noiselens.metrics.randomisation;

import io.noiselens.PythonFixtures;
import io.noiselens.attribution.TargetSource;
import io.noiselens.methods.Methods;
import io.noiselens.metrics.Contexts;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbedMaps;
import io.noiselens.metrics.Similarity;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * eMPRT's entropy by hand and against NumPy/SciPy (Quantus's own functions), and eMPRT and sMPRT on the linear model,
 * whose gradient map of class c is the weight column w_c before and after randomisation and whose Gradient × Input
 * map is w_c ⊙ x, so the denoised map is w_c ⊙ mean(copies).
 */
class QuantusRandomisationTest {
    static final int H = 8, W = 8, K = 3;
    static final ModelSpec SPEC = new ModelSpec("linear", 1, H, W, K, Collections.nCopies(K, "c"), Preprocessing.identity(1));

    @Test
    void entropyOfAHundredBinHistogramAsNumpyAndScipyCountIt() throws Exception {
        float[] four = new float[64], two = new float[64];
        for (int p = 0; p < 64; p++) {
            four[p] = p % 4;         // 0, 1, 2, 3 in bins 0, 33, 66, 99: four equal bins
            two[p] = p < 16 ? 5 : 7; // a quarter and three quarters
        }
        assertEquals(Math.log(4), EfficientMprt.entropy(four, 100), 1e-12);
        assertEquals(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), EfficientMprt.entropy(two, 100), 1e-12);
        assertEquals(0, EfficientMprt.entropy(new float[]{2, 2, 2}, 100), "a constant map is one bin");
        Path dir = Path.of("target", "histogram-entropy");
        Files.createDirectories(dir);
        List<float[]> maps = new ArrayList<>(List.of(four, two));
        for (int m = 0; m < 4; m++) {
            float[] a = new float[500];
            KeyedRandom.fillGaussian(m, a, 0, a.length);
            if (m == 3) for (int j = 0; j < a.length; j++) a[j] = (float) Math.exp(a[j]); // skewed
            maps.add(a);
        }
        StringBuilder sb = new StringBuilder();
        for (float[] a : maps) {
            for (float v : a) sb.append(v).append(' ');
            sb.append('\n');
        }
        Files.writeString(dir.resolve("maps.txt"), sb);
        PythonFixtures.run("histogram_entropy.py", dir, "python3-numpy and python3-scipy");
        List<String> expected = Files.readAllLines(dir.resolve("entropy.txt"));
        for (int m = 0; m < maps.size(); m++) {
            assertEquals(Double.parseDouble(expected.get(m)), EfficientMprt.entropy(maps.get(m), 100), 1e-9, "map " + m);
        }
    }

    @Test
    void efficientAndSmoothMprtOnTheLinearModelMatchTheWeightColumns() {
        ModelWeights weights = Architectures.initialWeights(SPEC, 5);
        List<float[]> xs = new ArrayList<>();
        for (int i = 0; i < K; i++) {
            float[] x = new float[H * W];
            KeyedRandom.fillGaussian(10 + i, x, 0, x.length);
            xs.add(x);
        }
        long seed = 21;
        float[] before = weights.get("fc.weight").data(), after = Mprt.randomise(weights, Set.of("fc"), seed).get("fc.weight").data();
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, weights)) {
            MetricContext g = Contexts.explained(model, Methods.builder("gradient").target(TargetSource.LABEL).build(),
                    xs, new int[]{0, 1, 2}, seed);
            MetricContext gxi = Contexts.explained(model, Methods.builder("gradient_x_input").target(TargetSource.LABEL)
                    .build(), xs, new int[]{0, 1, 2}, seed);
            int samples = 4;
            for (int i = 0; i < K; i++) {
                float[] a = new float[H * W], b = new float[H * W];
                for (int p = 0; p < H * W; p++) {
                    a[p] = before[p * K + i];
                    b[p] = after[p * K + i];
                }
                double ha = EfficientMprt.entropy(a, 100), hb = EfficientMprt.entropy(b, 100);
                MetricValue e = new EfficientMprt().score(g, i);
                assertEquals((hb - ha) / ha, e.value(), 1e-9);
                assertArrayEquals(new double[]{ha, hb}, e.curve(), 1e-9);

                // The gradient ignores the input: denoising changes nothing, one layer, one step.
                MetricValue s = new SmoothMprt(samples).score(g, i);
                assertEquals(1, s.curve().length);
                assertEquals(Similarity.spearman(a, b), s.value(), 1e-6);

                // Gradient × Input: the denoised map is w_c ⊙ mean of the copies (the last one x itself).
                float[] mean = new float[H * W];
                SmoothMprt.RangeGaussian noise = new SmoothMprt.RangeGaussian(SmoothMprt.NOISE, samples);
                for (int c = 0; c < samples; c++) {
                    float[] copy = PerturbedMaps.copy(gxi, noise, i, c);
                    if (c == samples - 1) assertArrayEquals(xs.get(i), copy, "the last draw is noise-free");
                    for (int p = 0; p < mean.length; p++) mean[p] += copy[p] / samples;
                }
                float[] da = new float[H * W], db = new float[H * W];
                for (int p = 0; p < H * W; p++) {
                    da[p] = a[p] * mean[p];
                    db[p] = b[p] * mean[p];
                }
                assertEquals(Similarity.spearman(da, db), new SmoothMprt(samples).score(gxi, i).value(), 1e-6);
            }
            assertArrayEquals(before, model.weights().get("fc.weight").data(), "the model's own weights are restored");
        }
    }
}
