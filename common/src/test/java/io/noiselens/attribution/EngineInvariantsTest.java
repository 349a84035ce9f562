package io.noiselens.attribution;

import io.noiselens.methods.Methods;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.SmallCnn;
import io.noiselens.noise.InputNoise;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cheap identities of METHODS.md §13.2, checked on the small CNN. */
class EngineInvariantsTest {
    static final ModelSpec SPEC = new ModelSpec(SmallCnn.NAME, 3, 32, 32, 4, Collections.nCopies(4, "k"),
            Preprocessing.identity(3));
    static SameDiffClassifier model;
    static ExplainBatch batch;

    @BeforeAll
    static void setUp() {
        ModelWeights w = Architectures.initialWeights(SPEC, 5);
        model = SameDiffClassifier.create(SPEC, w);
        List<String> ids = new ArrayList<>();
        List<float[]> xs = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            float[] x = new float[SPEC.inputSize()];
            KeyedRandom.fillGaussian(900 + b, x, 0, x.length);
            ids.add("img" + b);
            xs.add(x);
        }
        batch = new ExplainBatch(ids, xs, new int[]{0, 1, 2, 3});
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static List<AttributionResult> run(int micro, AttributionMethod... methods) {
        return new AttributionEngine(model, new EngineOptions(77, micro, 1L << 30)).explain(batch, List.of(methods)).results();
    }

    static void assertMapsClose(List<AttributionResult> a, List<AttributionResult> b, double relTol) {
        assertEquals(a.size(), b.size());
        for (int r = 0; r < a.size(); r++) {
            float[] x = a.get(r).map(), y = b.get(r).map();
            double scale = 0;
            for (float v : x) scale = Math.max(scale, Math.abs(v));
            assertTrue(scale > 0, "map is all zero");
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], relTol * scale, "element " + i + " of map " + r);
            }
        }
    }

    @Test
    void noiseGradWithZeroSigmaIsTheBaseExplainer() {
        BaseExplainer ig = Methods.integratedGradients(16, Quadrature.GAUSS_LEGENDRE, Baseline.ZERO);
        List<AttributionResult> ng = run(64, Methods.builder("noisegrad").sigmaW(0).replicas(3).base(ig).build());
        List<AttributionResult> base = run(64, Methods.builder("integrated_gradients").build().withBase(ig));
        assertMapsClose(ng, base, 1e-5);
    }

    @Test
    void smoothGradWithZeroSigmaIsTheGradient() {
        assertMapsClose(run(64, Methods.builder("smoothgrad").samples(5).inputNoise(0, InputNoise.Mode.ABSOLUTE).build()),
                run(64, Methods.builder("gradient").build()), 1e-5);
    }

    @Test
    void fusionGradWithZeroWeightNoiseIsSmoothGradOnTheSameNoise() {
        assertMapsClose(run(64, Methods.builder("fusiongrad").sigmaW(0).replicas(2).samples(3)
                        .inputNoise(0.3, InputNoise.Mode.ABSOLUTE).build()),
                run(64, Methods.builder("smoothgrad").samples(6).inputNoise(0.3, InputNoise.Mode.ABSOLUTE).build()), 1e-5);
    }

    @Test
    void varGradIsNonNegativeAndSmoothGradSquaredDominatesTheSquaredMean() {
        Methods.Builder common = Methods.builder("smoothgrad");
        AttributionMethod sg = Methods.builder("smoothgrad").samples(8).channelReduction(ChannelReduction.NONE).build();
        AttributionMethod sq = Methods.builder("smoothgrad_sq").samples(8).channelReduction(ChannelReduction.NONE).build();
        AttributionMethod vg = Methods.builder("vargrad").samples(8).channelReduction(ChannelReduction.NONE).build();
        List<AttributionResult> r = run(16, sg, sq, vg);
        int n = batch.size();
        for (int b = 0; b < n; b++) {
            float[] m1 = r.get(b).map(), m2 = r.get(n + b).map(), var = r.get(2 * n + b).map();
            double maxVar = 0;
            for (int i = 0; i < m1.length; i++) {
                assertTrue(var[i] >= 0, "VarGrad < 0 at " + i);
                assertTrue(m2[i] >= m1[i] * m1[i] - 1e-6f * Math.max(1, m2[i]), "SG² < SG⊙SG at " + i);
                assertEquals(m2[i] - m1[i] * m1[i], var[i], 1e-4 * Math.max(1e-6, m2[i]));
                maxVar = Math.max(maxVar, var[i]);
            }
            assertTrue(maxVar > 0, "noise had no effect");
        }
    }

    @Test
    void integratedGradientsIsCompleteWithin1PercentAt64GaussLegendreSteps() {
        for (AttributionResult r : run(64, Methods.builder("integrated_gradients").build()
                .withBase(Methods.integratedGradients(64, Quadrature.GAUSS_LEGENDRE, Baseline.ZERO)))) {
            double sum = 0;
            for (float v : r.map()) sum += v; // channel SUM keeps the total
            assertEquals(r.fx() - r.fBaseline(), sum, 0.01 * Math.abs(r.fx() - r.fBaseline()));
            assertTrue(r.igRelDelta() <= 0.01, "relative delta " + r.igRelDelta());
        }
    }

    @Test
    void resultsDoNotDependOnMicroBatchSize() {
        AttributionMethod[] methods = {
                Methods.builder("fusiongrad").replicas(2).samples(3).build(),
                Methods.builder("integrated_gradients").build().withBase(Methods.integratedGradients(10, Quadrature.RIEMANN_MIDDLE, Baseline.BLACK)),
                Methods.builder("vargrad").samples(5).build()};
        List<AttributionResult> big = run(64, methods);
        assertMapsClose(big, run(1, methods), 1e-5);
        assertMapsClose(big, run(7, methods), 1e-5);
    }

    @Test
    void absBeforeAggregationDiffersFromAbsAfterAndDominatesIt() {
        AttributionMethod before = Methods.builder("noisegrad").replicas(4).abs(AbsMode.BEFORE_AGGREGATION)
                .channelReduction(ChannelReduction.NONE).build();
        AttributionMethod after = Methods.builder("noisegrad").replicas(4).abs(AbsMode.AFTER_AGGREGATION)
                .channelReduction(ChannelReduction.NONE).build();
        List<AttributionResult> r = run(64, before, after);
        boolean differ = false;
        for (int b = 0; b < batch.size(); b++) {
            float[] x = r.get(b).map(), y = r.get(batch.size() + b).map();
            for (int i = 0; i < x.length; i++) {
                assertTrue(x[i] >= y[i] - 1e-6f, "mean|A| < |mean A|");
                differ |= x[i] > y[i] + 1e-5f;
            }
        }
        assertTrue(differ);
    }
}
