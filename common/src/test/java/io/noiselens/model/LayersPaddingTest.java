package io.noiselens.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The asymmetric-padding paths of {@link Layers} (ONNX pads [top, left, bottom, right] that differ, auto_pad SAME_*,
 * ceil_mode) on a 3×3 image 1…9, against windows summed, maxed and averaged by hand.
 */
class LayersPaddingTest {
    static final float[] X = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    static float[] run(java.util.function.BiFunction<SameDiffLayers, Layers.Act<SDVariable>, Layers.Act<SDVariable>> layer, List<Tensor> params) {
        SameDiff sd = SameDiff.create();
        Map<String, Tensor> p = new java.util.LinkedHashMap<>();
        for (Tensor t : params) p.put(t.name(), t);
        SameDiffLayers l = new SameDiffLayers(sd, DataType.FLOAT, p, null, true);
        Layers.Act<SDVariable> out = layer.apply(l, l.input("input", 1, 3, 3));
        l.assign(new ModelWeights(params));
        return sd.outputSingle(Map.of("input", Nd4j.createFromArray(X).reshape(1, 1, 3, 3)), out.v().name())
                .reshape(-1).toFloatVector();
    }

    @Test
    void convolutionWithPaddingOnlyAboveAndRight() {
        // Padded: a zero row on top and a zero column on the right; 2×2 kernel of ones sums each window.
        Layers.Window w = new Layers.Window(2, 2, 1, 1, 1, 0, 0, 1, 1, 1, 1);
        float[] y = run((l, x) -> l.conv("c", x, 1, w, false, false, Layers.BN_EPS, false),
                List.of(new Tensor("c.weight", new long[]{2, 2, 1, 1}, new float[]{1, 1, 1, 1}, true)));
        assertArrayEquals(new float[]{3, 5, 3, 12, 16, 9, 24, 28, 15}, y, 1e-6f);
    }

    @Test
    void maxPoolingWithACeilModeWindowSeesOnlyRealCells() {
        // 3×3, kernel 2, stride 2, ceil_mode: the last row and column of windows hang over the edge.
        float[] y = run((l, x) -> l.maxPool(x, new Layers.Window(2, 2, 2, 2, 0, 0, 1, 1, 1, 1, 1)), List.of());
        assertArrayEquals(new float[]{5, 6, 8, 9}, y, 0f);
    }

    @Test
    void averagePoolingCountsZeroPaddingWhenAsked() {
        float[] y = run((l, x) -> l.avgPool(x, new Layers.Window(2, 2, 2, 2, 0, 0, 1, 1, 1, 1, 1), true), List.of());
        assertArrayEquals(new float[]{3f, 2.25f, 3.75f, 2.25f}, y, 1e-6f);
    }
}
