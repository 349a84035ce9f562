package io.noiselens.attribution;

import io.noiselens.methods.Methods;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.DemoModelTest;
import io.noiselens.model.ModelFile;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.noise.InputNoise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Adaptive sampling ({@link SequentialStopping}) on the built-in dataset with the demo model: signed SmoothGrad
 * (whose maps average to small means: rse 0.11–0.16 after 256 draws) stopped at a relative standard error of 20 %,
 * against the same SmoothGrad with a fixed count. Checked: every image either reached the tolerance or used the full
 * count; an adaptive map is exactly the fixed-count map with the same number of draws (the draws are the same keyed
 * samples, so stopping changes only how many are taken); the error is real: the distance to the 256-draw map of
 * the same stream, ≈ rse·√(1 − n/256), stays within the tolerance; and the passes saved against the smallest fixed
 * count that reaches the same error on every image.
 */
class AdaptiveSamplingTest {
    static final double TOLERANCE = 0.2;
    static final int MAX = 256;

    @Test
    void stopsEachImageAtTheToleranceAndSavesPasses() {
        ModelFile.Loaded model = ModelFile.load(DemoModelTest.trained());
        SyntheticShapes data = new SyntheticShapes(7, model.spec().height());
        int n = 16;
        List<String> ids = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            LabeledImage img = data.image("eval", i);
            float[] x = img.pixels().clone();
            model.spec().preprocessing().normaliseInPlace(x, model.spec().height() * model.spec().width());
            ids.add("eval-" + i);
            inputs.add(x);
            labels[i] = img.label();
        }
        AttributionMethod fixed = Methods.builder("smoothgrad").samples(MAX)
                .inputNoise(0.15, InputNoise.Mode.RANGE_FRACTION).build();
        AttributionMethod adaptive = fixed.withPlan(fixed.plan().withStopping(
                new SequentialStopping(TOLERANCE, SequentialStopping.DEFAULT_MIN_DRAWS, SequentialStopping.DEFAULT_EVERY)));
        try (SameDiffClassifier m = SameDiffClassifier.create(model.spec(), model.weights())) {
            AttributionEngine engine = new AttributionEngine(m, EngineOptions.defaults(3));
            ExplainBatch batch = new ExplainBatch(ids, inputs, labels);
            List<AttributionResult> reference = engine.explain(batch, List.of(fixed)).results();
            long before = engine.gradientRows();
            List<AttributionResult> got = engine.explain(batch, List.of(adaptive)).results();
            long adaptivePasses = engine.gradientRows() - before;

            long maxDraws = 0, sumDraws = 0;
            double[] actual = new double[n];
            for (int b = 0; b < n; b++) {
                AttributionResult r = got.get(b);
                assertTrue(r.draws() >= SequentialStopping.DEFAULT_MIN_DRAWS && r.draws() <= MAX, "draws " + r.draws());
                assertTrue(r.relativeSe() <= TOLERANCE || r.draws() == MAX, b + ": rse " + r.relativeSe() + " after " + r.draws());
                assertEquals(0, (r.draws() - SequentialStopping.DEFAULT_MIN_DRAWS) % SequentialStopping.DEFAULT_EVERY);
                maxDraws = Math.max(maxDraws, r.draws());
                sumDraws += r.draws();
                actual[b] = relativeDistance(r.map(), reference.get(b).map());
            }
            assertEquals(sumDraws, adaptivePasses, "one gradient pass per draw");
            // The standard error is the error: the median distance to the full-count map stays within the tolerance.
            double[] sorted = actual.clone();
            Arrays.sort(sorted);
            double median = sorted[n / 2];
            assertTrue(median <= TOLERANCE, "median relative error against the reference " + median);

            // The same number of draws taken as a fixed count gives exactly the adaptive map.
            for (int b : new int[]{0, 7}) {
                AttributionResult r = got.get(b);
                AttributionMethod same = fixed.withPlan(new NoisePlan(1, fixed.plan().weightNoise(), (int) r.draws(),
                        fixed.plan().inputNoise(), Aggregation.MEAN));
                float[] map = engine.explain(new ExplainBatch(List.of(ids.get(b)), List.of(inputs.get(b)), new int[]{labels[b]}),
                        List.of(same)).results().get(0).map();
                assertArrayEquals(map, r.map(), 1e-6f * max(map));
            }

            // A fixed count must cover the slowest image to reach the same error everywhere: the smallest N, on the
            // same check grid, at which every image's running error is within the tolerance.
            int fixedNeeded = MAX;
            for (int cand = SequentialStopping.DEFAULT_MIN_DRAWS; cand < MAX; cand += SequentialStopping.DEFAULT_EVERY) {
                if (cand < maxDraws) continue;
                AttributionMethod at = fixed.withPlan(new NoisePlan(1, fixed.plan().weightNoise(), cand,
                        fixed.plan().inputNoise(), Aggregation.MEAN));
                boolean all = engine.explain(batch, List.of(at)).results().stream().allMatch(r -> r.relativeSe() <= TOLERANCE);
                if (all) {
                    fixedNeeded = cand;
                    break;
                }
            }
            double saved = 1 - (double) sumDraws / ((long) fixedNeeded * n);
            System.out.printf("Adaptive SmoothGrad at rse ≤ %.2f on %d built-in images: %d passes (draws per image %s); "
                            + "a fixed count needs %d per image (%d passes) for the same error on every image: %.0f %% of the "
                            + "passes saved; median relative error against %d draws %.3f%n", TOLERANCE, n, sumDraws,
                    Arrays.toString(got.stream().mapToLong(AttributionResult::draws).toArray()), fixedNeeded,
                    (long) fixedNeeded * n, 100 * saved, MAX, median);
            assertTrue(sumDraws < (long) fixedNeeded * n, "adaptive sampling saved no passes");
        }
    }

    static double relativeDistance(float[] a, float[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - ref[i]) * (double) (a[i] - ref[i]);
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    static float max(float[] v) {
        float m = 0;
        for (float x : v) m = Math.max(m, Math.abs(x));
        return m;
    }
}
