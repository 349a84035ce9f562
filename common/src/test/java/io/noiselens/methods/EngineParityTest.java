package io.noiselens.methods;

import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.model.Architectures;
import io.noiselens.model.Backend;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SmallCnn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every method family gives the same maps on both engines: the catalogue's methods (cheap settings) on a small
 * CNN, ND4J against torch, every map within float32 tolerance. A new family joins by one row of {@link #METHODS};
 * {@link #everyFamilyIsInTheMatrix} fails until it does.
 */
class EngineParityTest {
    static final int SIZE = 32;
    static final ModelSpec SPEC = new ModelSpec(SmallCnn.NAME, 3, SIZE, SIZE, SyntheticShapes.CLASSES.size(),
            SyntheticShapes.CLASSES, Preprocessing.identity(3));

    /** Kind, then alternating keys and values; cheap settings, defaults otherwise. */
    static final List<Object[]> METHODS = List.of(
            new Object[]{"gradient"},
            new Object[]{"gradient_x_input"},
            new Object[]{"integrated_gradients", "steps", 8},
            new Object[]{"smoothgrad", "samples", 4},
            new Object[]{"smoothgrad", "samples", 4, "output", "probability", "id", "smoothgrad_probability"},
            new Object[]{"smoothgrad_sq", "samples", 4, "base", "gradient_x_input"},
            new Object[]{"vargrad", "samples", 4},
            new Object[]{"noisegrad", "replicas", 3},
            new Object[]{"fusiongrad", "replicas", 2, "samples", 2},
            new Object[]{"smoothtaylor", "samples", 8},
            new Object[]{"relex", "samples", 4, "iterations", 5},
            new Object[]{"dance", "patch", 8, "stride", 8, "iterations", 3},
            new Object[]{"gradcam"},
            new Object[]{"gradcam_plus_plus", "layer", "conv3", "upsample", "nearest"},
            new Object[]{"layercam", "relu", "after_upsample", "normalise", "minmax"},
            new Object[]{"occlusion", "window", 8, "stride", 8},
            new Object[]{"rise", "masks", 64, "mask_grid", 4},
            new Object[]{"kernel_shap", "n_samples", 40, "grid", 4},
            new Object[]{"lime", "n_samples", 40, "segmentation", "slic", "slic_segments", 16},
            new Object[]{"lrp"},
            new Object[]{"lrp", "composite", "epsilon_gamma_box", "id", "lrp_gamma_box"},
            new Object[]{"lrp", "composite", "epsilon_alpha_beta", "id", "lrp_alpha_beta"},
            new Object[]{"deeplift"},
            new Object[]{"noisegrad", "replicas", 2, "base", "gradcam", "id", "noisegrad_gradcam"},
            new Object[]{"noisegrad", "replicas", 2, "base", "lrp", "id", "noisegrad_lrp"},
            new Object[]{"smoothgrad", "samples", 2, "base", "deeplift", "id", "smoothgrad_deeplift"},
            new Object[]{"fusiongrad", "replicas", 2, "samples", 2, "base", "occlusion", "window", 16, "stride", 16,
                    "id", "fusiongrad_occlusion"});

    static Stream<Object[]> methods() {
        return METHODS.stream().map(m -> new Object[]{m[0], m});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void bothEnginesGiveTheSameMaps(String kind, Object[] spec) {
        AttributionMethod method = MethodCatalogue.method(kind, java.util.Arrays.copyOfRange(spec, 1, spec.length));
        ModelWeights w = Architectures.initialWeights(SPEC, 21);
        SyntheticShapes data = new SyntheticShapes(5, SIZE);
        List<String> ids = new ArrayList<>();
        List<float[]> xs = new ArrayList<>();
        int[] labels = new int[3];
        for (int i = 0; i < 3; i++) {
            LabeledImage img = data.image("eval", i);
            ids.add(img.id());
            xs.add(img.pixels());
            labels[i] = img.label();
        }
        List<AttributionResult> nd4j = explain(Backend.ND4J, w, ids, xs, labels, method);
        List<AttributionResult> torch = explain(Backend.TORCH, w, ids, xs, labels, method);
        for (int i = 0; i < nd4j.size(); i++) {
            float[] a = torch.get(i).map(), b = nd4j.get(i).map();
            double num = 0, den = 0;
            for (int k = 0; k < a.length; k++) {
                num = Math.max(num, Math.abs(a[k] - b[k]));
                den = Math.max(den, Math.abs(b[k]));
            }
            assertTrue(den > 0, kind + " image " + i + ": an all-zero map compares nothing");
            double e = num / den;
            System.out.printf("engines %-20s image %d: map difference %.2e (relative)%n", kind, i, e);
            assertTrue(e <= 1e-4, kind + " image " + i + ": the engines' maps differ by " + e);
            assertEquals(nd4j.get(i).target(), torch.get(i).target());
        }
    }

    private static List<AttributionResult> explain(Backend backend, ModelWeights w, List<String> ids, List<float[]> xs,
                                                   int[] labels, AttributionMethod method) {
        try (ClassifierModel model = backend.create(SPEC, w)) {
            List<AttributionResult> out = new ArrayList<>(new AttributionEngine(model, EngineOptions.defaults(9))
                    .explain(new ExplainBatch(ids, xs, labels), List.of(method)).results());
            out.sort(java.util.Comparator.comparingInt(AttributionResult::index));
            return out;
        }
    }

    @Test
    void everyFamilyIsInTheMatrix() {
        TreeSet<String> matrix = new TreeSet<>();
        for (Object[] m : METHODS) matrix.add((String) m[0]);
        TreeSet<String> catalogue = new TreeSet<>();
        for (MethodFamily f : MethodCatalogue.families()) catalogue.add(f.kind());
        assertEquals(catalogue, matrix, "add a row to EngineParityTest.METHODS for each new method family");
    }
}
