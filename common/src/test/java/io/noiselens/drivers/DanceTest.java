package io.noiselens.drivers;

import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.ChannelReduction;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.methods.Methods;
import io.noiselens.attribution.TargetSource;
import io.noiselens.config.JobConfigLoader;
import io.noiselens.model.Architectures;
import io.noiselens.model.LayerProbe;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.SmallCnn;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** DANCE: the layer probe against a hand convolution, decoys that keep their constraint, and range aggregation. */
class DanceTest {
    static final ModelSpec SPEC = new ModelSpec(SmallCnn.NAME, 3, 16, 16, 5, Collections.nCopies(5, "c"),
            new Preprocessing(new float[]{0.5f, 0.5f, 0.5f}, new float[]{0.25f, 0.25f, 0.25f}, new float[]{0.5f, 0.5f, 0.5f}));

    static List<float[]> inputs(int n) {
        List<float[]> xs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[SPEC.inputSize()];
            for (int k = 0; k < x.length; k++) x[k] = SPEC.preprocessing().normalise(0, (float) KeyedRandom.uniform(50 + i, k));
            xs.add(x);
        }
        return xs;
    }

    @Test
    void probeIsTheFirstConvolutionAndItsVectorJacobianProductMatchesDifferences() {
        ModelWeights w = Architectures.initialWeights(SPEC, 3);
        assertEquals("conv1", Architectures.layerNames(SPEC).get(0));
        float[] x = inputs(1).get(0);
        float[] k = w.get("conv1.weight").data(), bias = w.get("conv1.bias").data();   // YXIO [3, 3, 3, 16]
        try (LayerProbe probe = new io.noiselens.model.SameDiffLayerProbe(SPEC, w, "conv1")) {
            float[] f = probe.features(List.of(x))[0];
            assertEquals(16 * 16 * 16, f.length);
            for (int o : new int[]{0, 5, 15}) {
                for (int y : new int[]{0, 7, 15}) {
                    for (int xx : new int[]{0, 9, 15}) {
                        double s = bias[o];
                        for (int dy = 0; dy < 3; dy++) for (int dx = 0; dx < 3; dx++) for (int c = 0; c < 3; c++) {
                            int iy = y + dy - 1, ix = xx + dx - 1;
                            if (iy < 0 || iy >= 16 || ix < 0 || ix >= 16) continue;   // zero padding 1
                            s += k[((dy * 3 + dx) * 3 + c) * 16 + o] * x[c * 256 + iy * 16 + ix];
                        }
                        assertEquals(s, f[o * 256 + y * 16 + xx], 1e-4, "F(" + o + "," + y + "," + xx + ")");
                    }
                }
            }
            float[] v = new float[f.length];
            KeyedRandom.fillGaussian(8, v, 0, v.length);
            float[] g = probe.vectorJacobian(List.of(x), List.of(v))[0];
            for (int p : new int[]{0, 100, 400, 767}) {
                float[] up = x.clone(), down = x.clone();
                up[p] += 1e-2f;
                down[p] -= 1e-2f;
                double fu = dot(v, probe.features(List.of(up))[0]), fd = dot(v, probe.features(List.of(down))[0]);
                assertEquals((fu - fd) / 2e-2, g[p], 1e-2 * Math.max(1, Math.abs(g[p])), "VJP at " + p);
            }
        }
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    @Test
    void decoysChangeOnlyTheirPatchKeepTheRepresentationAndTheMapIsTheirRange() {
        ModelWeights w = Architectures.initialWeights(SPEC, 3);
        AttributionMethod dance = JobConfigLoader.fromString("methods = [{kind = dance, patch = 4, stride = 4, "
                + "iterations = 10, epsilon = 0.2, channel_reduction = none}]", List.of()).methods().get(0).build();
        Dance driver = (Dance) dance.driver();
        List<float[]> xs = inputs(2);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            AttributionEngine engine = new AttributionEngine(model, EngineOptions.defaults(4));
            List<Dance.Decoys> decoys = driver.decoys(engine, xs);
            int plane = 256, nonTrivial = 0, valid = 0;
            try (LayerProbe probe = new io.noiselens.model.SameDiffLayerProbe(SPEC, w, "conv1")) {
                for (int b = 0; b < 2; b++) {
                    Dance.Decoys d = decoys.get(b);
                    assertEquals(2 * 16, d.inputs().size(), "16 patches of 4×4, two signs each");
                    float[] clean = probe.features(List.of(xs.get(b)))[0];
                    for (int j = 0; j < d.inputs().size(); j++) {
                        float[] dx = d.inputs().get(j);
                        int patchIndex = j / 2, py = patchIndex / 4 * 4, px = patchIndex % 4 * 4, sign = j % 2 == 0 ? 1 : -1;
                        boolean moved = false;
                        for (int k = 0; k < dx.length; k++) {
                            int y = k % plane / 16, x = k % 16;
                            boolean inside = y >= py && y < py + 4 && x >= px && x < px + 4;
                            if (!inside) assertEquals(xs.get(b)[k], dx[k], "outside the patch nothing changes");
                            assertTrue(dx[k] >= -2 - 1e-6 && dx[k] <= 2 + 1e-6, "inside the valid range");
                            if (inside && dx[k] != xs.get(b)[k]) {
                                moved = true;
                                assertTrue((dx[k] - xs.get(b)[k]) * sign >= -1e-6 || !d.valid()[j],
                                        "the decoy moves in its sign's direction");
                            }
                        }
                        float[] f = probe.features(List.of(dx))[0];
                        double worst = 0;
                        for (int k = 0; k < f.length; k++) worst = Math.max(worst, Math.abs(f[k] - clean[k]));
                        if (d.valid()[j]) {
                            valid++;
                            assertTrue(worst <= d.epsilonAbs() * (1 + 1e-5), "‖ΔF‖∞ " + worst + " ≤ ε " + d.epsilonAbs());
                            if (moved) nonTrivial++;
                        }
                    }
                }
            }
            System.out.printf("DANCE: %d of 64 decoys valid, %d of them moved%n", valid, nonTrivial);
            assertTrue(nonTrivial >= 32, "most decoys are valid and non-trivial: " + nonTrivial);

            // The map is the per-feature range of the base explainer over the decoys.
            List<AttributionResult> r = engine.explain(new ExplainBatch(List.of("a", "b"), xs, new int[2]), List.of(dance)).results();
            AttributionMethod grad = Methods.builder("gradient").target(TargetSource.LABEL).channelReduction(ChannelReduction.NONE).build();
            for (int b = 0; b < 2; b++) {
                List<float[]> ds = decoys.get(b).inputs();
                List<String> ids = new ArrayList<>();
                int[] t = new int[ds.size()];
                for (int j = 0; j < t.length; j++) {
                    ids.add("d" + j);
                    t[j] = r.get(b).target();
                }
                float[] max = null, min = null;
                for (AttributionResult m : engine.explain(new ExplainBatch(ids, ds, t), List.of(grad)).results()) {
                    if (max == null) {
                        max = m.map().clone();
                        min = m.map().clone();
                    }
                    for (int k = 0; k < max.length; k++) {
                        max[k] = Math.max(max[k], m.map()[k]);
                        min[k] = Math.min(min[k], m.map()[k]);
                    }
                }
                for (int k = 0; k < max.length; k++) assertEquals(max[k] - min[k], r.get(b).map()[k], 1e-5, "range at " + k);
                assertEquals(32, r.get(b).details().get("decoys"));
            }
        }
    }

    /**
     * Decoys streamed in chunks of a few rows (a micro-batch of 5) give the maps of one chunk per image: each decoy's
     * optimisation is its own, so chunking changes the memory, not the result. A budget of three decoys' state caps a
     * chunk at three however large the micro-batch.
     */
    @Test
    void chunkedDecoysGiveTheSameMaps() {
        ModelWeights w = Architectures.initialWeights(SPEC, 3);
        AttributionMethod dance = JobConfigLoader.fromString("methods = [{kind = dance, patch = 4, stride = 4, "
                + "iterations = 6, channel_reduction = none}]", List.of()).methods().get(0).build();
        List<float[]> xs = inputs(2);
        ExplainBatch batch = new ExplainBatch(List.of("a", "b"), xs, new int[2]);
        try (SameDiffClassifier model = SameDiffClassifier.create(SPEC, w)) {
            AttributionEngine whole = new AttributionEngine(model, EngineOptions.defaults(4));
            EngineOptions defaults = EngineOptions.defaults(4);
            AttributionEngine chunked = new AttributionEngine(model, new EngineOptions(defaults.runSeed(), 5,
                    defaults.memoryBudgetBytes()));
            AttributionEngine tight = new AttributionEngine(model, new EngineOptions(defaults.runSeed(), 64,
                    3L * 4 * (6 * 768 + 7 * 4096)));
            try (LayerProbe probe = new io.noiselens.model.SameDiffLayerProbe(SPEC, w, "conv1")) {
                assertTrue(Dance.rowsPerChunk(whole, probe) >= 32, "one chunk holds every decoy of an image");
                assertEquals(5, Dance.rowsPerChunk(chunked, probe), "seven chunks of at most 5 decoys");
                assertTrue(Dance.rowsPerChunk(tight, probe) <= 3, "the budget holds three decoys");
            }
            List<AttributionResult> a = whole.explain(batch, List.of(dance)).results();
            List<AttributionResult> b = chunked.explain(batch, List.of(dance)).results();
            for (int i = 0; i < 2; i++) {
                assertEquals(a.get(i).details(), b.get(i).details());
                float[] ma = a.get(i).map(), mb = b.get(i).map();
                double scale = 0;
                for (float v : ma) scale = Math.max(scale, Math.abs(v));
                for (int k = 0; k < ma.length; k++) assertEquals(ma[k], mb[k], 1e-5 * scale, "map " + i + " at " + k);
            }
        }
    }
}
