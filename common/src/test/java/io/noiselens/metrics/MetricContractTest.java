package io.noiselens.metrics;

import io.noiselens.adversarial.Pgd;
import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.methods.MethodCatalogue;
import io.noiselens.metrics.catalogue.MetricCatalogue;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.SmallCnn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The contract every registered per-map metric keeps, as a matrix over the catalogue (a new metric joins it by
 * being registered): on real maps of a real network (SmoothGrad, so re-explanations draw keyed noise) every value
 * lies in the metric's declared range or is NaN with a reason; a map's score does not depend on which other images
 * share its batch (every draw is keyed by image); scoring twice gives the same values; and the catalogue's name is
 * the metric's own — on both engines (forward passes and re-explanations on ND4J, then on torch). The direction of the localisation and complexity metrics is checked on maps whose order is known.
 */
class MetricContractTest {
    static final int SIZE = 32, N = 4;
    static final ModelSpec SPEC = new ModelSpec(SmallCnn.NAME, 3, SIZE, SIZE, SyntheticShapes.CLASSES.size(),
            SyntheticShapes.CLASSES, Preprocessing.identity(3));
    /** Cheap settings: 64-pixel causal steps, 2 robustness copies, 4 AUPC patches, 3 PGD and 2 attack steps. */
    static final MetricCatalogue.Settings SETTINGS = new MetricCatalogue.Settings(64, 2, 4, new Pgd(0.1, 0.05, 3, true), 2);

    static SameDiffClassifier model;
    static io.noiselens.model.ClassifierModel torchModel;
    static EngineOptions options;
    static AttributionMethod method;
    static List<MetricContext.Item> items;
    /** Focus's partner pool: six labelled images the batch does not hold. */
    static List<MetricContext.Partner> pool = new ArrayList<>();

    @BeforeAll
    static void explain() {
        model = SameDiffClassifier.create(SPEC, Architectures.initialWeights(SPEC, 77));
        torchModel = io.noiselens.model.Backend.TORCH.create(SPEC, model.weights());
        options = EngineOptions.defaults(5);
        method = MethodCatalogue.method("smoothgrad", "samples", 2, "sigma", 0.1);
        SyntheticShapes data = new SyntheticShapes(3, SIZE);
        List<String> ids = new ArrayList<>();
        List<float[]> xs = new ArrayList<>();
        List<boolean[]> masks = new ArrayList<>();
        int[] labels = new int[N];
        for (int i = 0; i < N; i++) {
            LabeledImage img = data.image("eval", i);
            ids.add(img.id());
            xs.add(img.pixels());
            masks.add(img.mask());
            labels[i] = img.label();
        }
        for (int k = 0; k < 6; k++) {
            LabeledImage img = data.image("pool", k);
            pool.add(new MetricContext.Partner(img.id(), img.label(), img.pixels()));
        }
        items = new ArrayList<>();
        for (AttributionResult r : new AttributionEngine(model, options).explain(new ExplainBatch(ids, xs, labels),
                List.of(method)).results()) {
            items.add(new MetricContext.Item(ids.get(r.index()), xs.get(r.index()),
                    MetricContext.heatmap(r.map(), r.channels(), SIZE * SIZE), masks.get(r.index()), r.target(), r.map()));
        }
    }

    @AfterAll
    static void close() {
        model.close();
        torchModel.close();
    }

    static Stream<String> metrics() {
        return MetricCatalogue.names().stream().filter(n -> !MetricCatalogue.CROSS_MODEL.containsKey(n)
                && !MetricCatalogue.isGroup(n));
    }

    /** Every metric on both engines: the maps are the ND4J engine's, forward passes and re-explanations each engine's. */
    static Stream<org.junit.jupiter.params.provider.Arguments> metricsOnEngines() {
        return metrics().flatMap(m -> Stream.of(org.junit.jupiter.params.provider.Arguments.of(m, "nd4j"),
                org.junit.jupiter.params.provider.Arguments.of(m, "torch")));
    }

    private static MetricContext context(List<MetricContext.Item> of, io.noiselens.model.ClassifierModel m) {
        return new MetricContext(SPEC, new ForwardEvaluator(m, 16), new EngineReexplainer(m, options, method),
                options.runSeed(), of, new HashMap<>(), pool);
    }

    private static Metric metric(String name) {
        return MetricCatalogue.create(List.of(name), SETTINGS, "metrics.names").get(0);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("metricsOnEngines")
    void keepsTheContract(String name, String engine) {
        io.noiselens.model.ClassifierModel m = engine.equals("torch") ? torchModel : model;
        Metric metric = metric(name);
        assertEquals(name, metric.info().name(), "the catalogue's name is the metric's own");
        MetricCatalogue.Range range = MetricCatalogue.range(name);
        MetricContext batch = context(items, m);
        MetricValue[] values = new MetricValue[N];
        for (int i = 0; i < N; i++) {
            MetricValue v = values[i] = metric.score(batch, i);
            if (Double.isNaN(v.value())) {
                assertTrue(v.nanReason() != null && !v.nanReason().isBlank(), name + ": NaN without a reason");
            } else {
                assertTrue(range.contains(v.value()), name + " = " + v.value() + " outside " + range);
                assertNull(v.nanReason(), name + ": a value with a NaN reason");
            }
        }
        MetricContext again = context(items, m);
        for (int i = 0; i < N; i++) {
            assertEquals(values[i].value(), metric.score(again, i).value(), 0, name + ": scoring twice differs");
        }
        for (int i = 0; i < N; i++) {
            MetricValue alone = metric.score(context(List.of(items.get(i)), m), 0);
            double expected = values[i].value(), got = alone.value();
            assertEquals(Double.isNaN(expected), Double.isNaN(got), name + " image " + i + ": NaN in one batch only");
            if (!Double.isNaN(expected)) {
                assertEquals(expected, got, 1e-4 * Math.max(1, Math.abs(expected)),
                        name + " image " + i + ": alone " + got + ", in a batch of " + N + " " + expected);
            }
        }
    }

    /** The mask itself localises better than its complement, by every mask-reading localisation metric's direction. */
    @Test
    void localisationMetricsPreferTheMaskToItsComplement() {
        List<MetricContext.Item> good = new ArrayList<>(), bad = new ArrayList<>();
        for (MetricContext.Item it : items) {
            float[] in = new float[SIZE * SIZE], out = new float[SIZE * SIZE];
            for (int p = 0; p < in.length; p++) {
                in[p] = it.mask()[p] ? 1 + p % 7 : 0;
                out[p] = it.mask()[p] ? 0 : 1 + p % 7;
            }
            good.add(new MetricContext.Item(it.id(), it.input(), in, it.mask(), it.target()));
            bad.add(new MetricContext.Item(it.id(), it.input(), out, it.mask(), it.target()));
        }
        MetricContext g = new MetricContext(SPEC, null, good), b = new MetricContext(SPEC, null, bad);
        for (Metric m : MetricCatalogue.create(metrics().toList(), SETTINGS, "t")) {
            // Focus localises on its own mosaics, not on the object mask.
            if (m.info().category() != MetricCategory.LOCALISATION || !m.info().needsMask()) continue;
            for (int i = 0; i < N; i++) {
                double on = m.score(g, i).value(), off = m.score(b, i).value();
                assertTrue(m.info().higherIsBetter() ? on > off : on < off, m.info().name() + ": mask " + on
                        + ", complement " + off);
            }
        }
    }

    /**
     * Complexity metrics by their own direction: a map on one pixel is sparser and less complex than a uniform one;
     * a checkerboard is noisier than a smooth ramp (AUTVC, on 64×64 maps: it needs scales above its 30-pixel floor).
     */
    @Test
    void complexityMetricsOrderMapsOfKnownComplexity() {
        int big = 64;
        ModelSpec spec = new ModelSpec(SmallCnn.NAME, 3, big, big, 5, SyntheticShapes.CLASSES, Preprocessing.identity(3));
        float[] one = new float[big * big], flat = new float[big * big], checker = new float[big * big], ramp = new float[big * big];
        one[big * big / 2 + big / 2] = 1;
        java.util.Arrays.fill(flat, 1);
        for (int p = 0; p < ramp.length; p++) {
            ramp[p] = 1 + (float) (p % big) / big;
            checker[p] = ((p / big + p % big) % 2 == 0) ? 2 : 1;
        }
        float[] x = new float[3 * big * big];
        List<MetricContext.Item> maps = new ArrayList<>();
        for (float[] h : List.of(one, flat, checker, ramp)) maps.add(new MetricContext.Item("m" + maps.size(), x, h, null, 0));
        MetricContext c = new MetricContext(spec, null, maps);
        int checked = 0;
        for (Metric m : MetricCatalogue.create(metrics().toList(), SETTINGS, "t")) {
            if (m.info().category() != MetricCategory.COMPLEXITY) continue;
            boolean noise = m.info().name().equals("autvc");
            double simple = m.score(c, noise ? 3 : 0).value(), complex = m.score(c, noise ? 2 : 1).value();
            assertTrue(m.info().higherIsBetter() ? simple > complex : simple < complex,
                    m.info().name() + ": the simpler map " + simple + ", the more complex " + complex);
            checked++;
        }
        assertEquals(4, checked, "sparseness, complexity, autvc and effective_complexity");
    }
}
