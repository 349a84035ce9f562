package io.noiselens.model.onnx;

import io.noiselens.model.Dims;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The import's constant folding and shape inference on graphs written here node by node, checked against values
 * worked out by hand: a batch-dependent reshape like a transformer's [L, n·heads, d], the Shape → Gather →
 * Unsqueeze → Concat → Reshape chain torch.onnx emits for {@code x.reshape(n, …)}, a Swin-style attention mask built
 * from ConstantOfShape, ScatterND, Equal and Where, and the ONNX clamping of Slice.
 */
class GraphShapesTest {
    private static OnnxModel.Node node(String op, List<String> in, String out, OnnxModel.Attribute... attrs) {
        Map<String, OnnxModel.Attribute> a = new LinkedHashMap<>();
        for (OnnxModel.Attribute x : attrs) a.put(x.name(), x);
        return new OnnxModel.Node(out, op, "", in, List.of(out), a);
    }

    private static OnnxModel.Attribute ints(String name, long... v) {
        return new OnnxModel.Attribute(name, 0, 0, null, v, new float[0], null);
    }

    private static OnnxModel.Attribute i(String name, long v) {
        return new OnnxModel.Attribute(name, v, 0, null, new long[0], new float[0], null);
    }

    private static OnnxModel.Initializer longs(String name, long... v) {
        return new OnnxModel.Initializer(name, new long[]{v.length}, OnnxModel.INT64, null, v);
    }

    private static OnnxModel model(List<OnnxModel.Node> nodes, OnnxModel.Initializer... inits) {
        Map<String, OnnxModel.Initializer> m = new LinkedHashMap<>();
        for (OnnxModel.Initializer t : inits) m.put(t.name(), t);
        return new OnnxModel(8, 13, "test", List.of(new OnnxModel.ValueInfo("x", new long[]{-1, 3, 4, 6})),
                List.of(new OnnxModel.ValueInfo("y", new long[]{-1, 2})), m, nodes);
    }

    @Test
    void theBatchIsTrackedThroughShapeArithmeticAndMergedAxes() {
        // n = Shape(x)[0]; t = Reshape(x, [n, 3, 24]); u = Transpose(t, [2, 0, 1]) = [24, n, 3];
        // v = Reshape(u, [24, n·3, 1]) written as [24, −1, 1]; w = Reshape(x, Concat(Unsqueeze(n·2), [36])).
        OnnxModel m = model(List.of(
                node("Shape", List.of("x"), "s"),
                node("Gather", List.of("s", "zero"), "n", i("axis", 0)),
                node("Unsqueeze", List.of("n", "axes0"), "n1"),
                node("Concat", List.of("n1", "c3", "c24"), "shape1", i("axis", 0)),
                node("Reshape", List.of("x", "shape1"), "t"),
                node("Transpose", List.of("t"), "u", ints("perm", 2, 0, 1)),
                node("Reshape", List.of("u", "shape2"), "v"),
                node("Mul", List.of("n1", "two"), "n2"),
                node("Concat", List.of("n2", "c36"), "shape3", i("axis", 0)),
                node("Reshape", List.of("x", "shape3"), "w")),
                new OnnxModel.Initializer("zero", new long[0], OnnxModel.INT64, null, new long[]{0}),
                longs("axes0", 0), longs("c3", 3), longs("c24", 24), longs("c36", 36), longs("two", 2),
                longs("shape2", 24, -1, 1));
        GraphShapes g = new GraphShapes(m, "x", new long[]{3, 4, 6});
        assertEquals(Dims.batched(3, 4, 6), g.dims("x"));
        ConstTensor[] n = g.constantPair("n");
        assertEquals(1, n[0].v()[0]);
        assertEquals(2, n[1].v()[0]);
        assertEquals(Dims.batched(3, 24), g.dims("t"));
        Dims u = g.dims("u");
        assertArrayEquals(new long[]{24, 5, 3}, u.at(5));
        assertTrue(u.batchAxis(1) && !u.batchAxis(0) && !u.batchLeading());
        assertArrayEquals(new long[]{24, 15, 1}, g.dims("v").at(5), "the batch merged with another axis");
        assertArrayEquals(new long[]{10, 36}, g.dims("w").at(5), "n·2 rows of 36: 2·72 values per image pair");
        assertEquals("[24, 3·n, 1]", g.dims("v").toString());
        assertTrue(g.folded(m.nodes().get(3)) && !g.folded(m.nodes().get(4)));
    }

    @Test
    void aSwinStyleMaskFoldsToItsHandWorkedValue() {
        // mask = ConstantOfShape([2, 3]) = 0; mask[1, :] = 2 (ScatterND with index [[1]]);
        // out = Where(Equal(mask, 0), 0.0, −100.0).
        OnnxModel.Initializer two = new OnnxModel.Initializer("", new long[]{1, 3}, OnnxModel.FLOAT, new float[]{2, 2, 2}, null);
        OnnxModel.Initializer weight = new OnnxModel.Initializer("weight", new long[]{3}, OnnxModel.FLOAT, new float[]{1, 2, 3}, null);
        OnnxModel m = model(List.of(
                node("Constant", List.of(), "fill", new OnnxModel.Attribute("value", 0, 0, null, new long[0], new float[0], two)),
                node("ConstantOfShape", List.of("shape"), "zeros"),
                node("ScatterND", List.of("zeros", "idx", "fill"), "mask"),
                node("Equal", List.of("mask", "zero"), "eq"),
                node("Where", List.of("eq", "z", "minus"), "out"),
                node("Range", List.of("r0", "r1", "r2"), "range"),
                node("Slice", List.of("range", "starts", "ends", "axes", "steps"), "sliced")),
                longs("shape", 2, 3), new OnnxModel.Initializer("idx", new long[]{1, 1}, OnnxModel.INT64, null, new long[]{1}),
                weight, new OnnxModel.Initializer("zero", new long[0], OnnxModel.FLOAT, new float[]{0}, null),
                new OnnxModel.Initializer("z", new long[0], OnnxModel.FLOAT, new float[]{0}, null),
                new OnnxModel.Initializer("minus", new long[0], OnnxModel.FLOAT, new float[]{-100}, null),
                new OnnxModel.Initializer("r0", new long[0], OnnxModel.INT64, null, new long[]{2}),
                new OnnxModel.Initializer("r1", new long[0], OnnxModel.INT64, null, new long[]{11}),
                new OnnxModel.Initializer("r2", new long[0], OnnxModel.INT64, null, new long[]{3}),
                longs("starts", -1), longs("ends", Long.MIN_VALUE), longs("axes", 0), longs("steps", -2));
        GraphShapes g = new GraphShapes(m, "x", new long[]{3, 4, 6});
        ConstTensor out = g.constant("out");
        assertArrayEquals(new long[]{2, 3}, out.dims());
        assertArrayEquals(new double[]{0, 0, 0, -100, -100, -100}, out.v());
        assertFalse(out.integer());
        assertArrayEquals(new double[]{2, 5, 8}, g.constant("range").v(), "Range(2, 11, 3)");
        assertArrayEquals(new double[]{8, 2}, g.constant("sliced").v(), "from the end backwards by 2, to the start");
        assertTrue(g.isParameter("weight") && !g.isConstant("weight"), "a float initializer of several values is a parameter");
    }

    @Test
    void constantOperationsFollowNumpy() {
        ConstTensor a = new ConstTensor(new long[]{2, 1}, new double[]{1, 2}, false);
        ConstTensor b = new ConstTensor(new long[]{3}, new double[]{10, 20, 30}, false);
        assertArrayEquals(new double[]{11, 21, 31, 12, 22, 32}, ConstTensor.binary(a, b, Double::sum, false).v());
        ConstTensor t = new ConstTensor(new long[]{2, 3}, new double[]{0, 1, 2, 3, 4, 5}, true);
        assertArrayEquals(new double[]{0, 3, 1, 4, 2, 5}, t.transpose(new int[]{1, 0}).v());
        assertArrayEquals(new double[]{2, 0, 5, 3}, t.gather(1, ConstTensor.vector(2, 0)).v());
        assertArrayEquals(new double[]{3, 12}, t.reduce(new long[]{1}, false, "sum").v());
        assertArrayEquals(new double[]{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}, t.tile(new long[]{1, 2}).v());
        assertArrayEquals(new double[]{9, 9, 9, 9, 9, 0, 1, 2, 9, 3, 4, 5},
                t.pad(new long[]{1, 1, 0, 0}, 9).v());
    }
}
