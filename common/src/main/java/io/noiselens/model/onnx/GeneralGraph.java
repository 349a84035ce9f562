package io.noiselens.model.onnx;

import io.noiselens.model.Dims;
import io.noiselens.model.Layers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An imported graph that needs more than the CNN operator set — ViT, ConvNeXt, Swin and the other transformer-era
 * torchvision exports — built on an engine's {@link Layers} as general tensors: every node that {@link GraphShapes}
 * did not fold becomes one engine operation, with the shapes the import inferred. Convolutions, BatchNorm, pooling
 * and Gemm keep their CNN forms (BatchNorm folding, named layers); a MatMul by a weight is a named linear layer with
 * its bias folded in; float initializers used elsewhere (class tokens, position embeddings, LayerNorm's γ and β,
 * layer scales, relative-position tables) are parameters of the weight view, so weight noise reaches them.
 */
final class GeneralGraph {
    /** Operators the engines compute on activations (everything else must fold at import). */
    static final Set<String> RUNTIME = Set.of("Conv", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "Sigmoid",
            "HardSigmoid", "HardSwish", "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm", "MatMul", "Add", "Sub", "Mul",
            "Div", "Pow", "Concat", "Flatten", "Reshape", "Identity", "Dropout", "Softmax", "Pad", "Erf", "Sqrt", "Exp",
            "Tanh", "Neg", "Abs", "Reciprocal", "Gelu", "ReduceMean", "LayerNormalization", "Transpose", "Squeeze",
            "Unsqueeze", "Expand", "Gather", "Slice", "Cast", "Split", "Einsum");

    private final OnnxArchitecture arch;
    private final GraphShapes shapes;
    /** Per-graph values computed once, not on every pass (task threads share the graph). */
    private final Map<String, float[]> constantValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<OnnxModel.Node, String> modulePaths = new java.util.concurrent.ConcurrentHashMap<>();

    GeneralGraph(OnnxArchitecture arch, GraphShapes shapes) {
        this.arch = arch;
        this.shapes = shapes;
    }

    <T> Layers.Act<T> define(Layers<T> l, Layers.Act<T> x, List<OnnxModel.Node> nodes, String input, String output,
                             int numClasses) {
        Map<String, T> values = new HashMap<>();
        values.put(input, x.v());
        for (OnnxModel.Node n : nodes) {
            if (shapes.folded(n) || arch.absorbed(n)) continue;
            String out = n.outputs().get(0);
            if (n.opType().equals("Split")) {
                split(l, n, values);
                continue;
            }
            T y = translate(l, n, values);
            values.put(out, y);
            for (String alias : arch.aliases(out)) values.put(alias, y);
            nameModules(l, n, y);
        }
        T logits = values.get(output);
        if (logits == null) throw new IllegalArgumentException("No node computes the graph output '" + output + "'");
        Dims d = shapes.dims(output);
        if (!d.batchLeading() || d.sizeOfOne() != numClasses) {
            throw new IllegalArgumentException("The graph output '" + output + "' has shape " + d + ", not [n, " + numClasses + "]");
        }
        if (d.rank() != 2) logits = l.reshape(logits, Dims.batched(numClasses));
        return Layers.Act.flat(logits, numClasses);
    }

    private <T> T translate(Layers<T> l, OnnxModel.Node n, Map<String, T> values) {
        String op = n.opType(), out = n.outputs().get(0);
        Dims outDims = shapes.dims(out);
        if (!RUNTIME.contains(op)) throw OnnxArchitecture.unsupported(n, op + " on an activation (only on constants)");
        switch (op) {
            case "Conv", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm" -> {
                return arch.translateCnn(l, n, act(n, values, 0)).v();
            }
            case "Identity", "Dropout" -> {
                return operand(l, n, 0, values);
            }
            case "Cast" -> {
                long to = n.i("to", OnnxModel.FLOAT);
                if (to != OnnxModel.FLOAT && to != OnnxModel.DOUBLE) throw OnnxArchitecture.unsupported(n, "a Cast of an activation to type " + to);
                return operand(l, n, 0, values);
            }
            case "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish" -> {
                T x = operand(l, n, 0, values);
                Dims d = shapes.dims(n.inputs().get(0));
                return arch.translateCnn(l, n, new Layers.Act<>(x, (int) d.sizeOfOne(), 1, 1, 2)).v();
            }
            case "MatMul" -> {
                String layer = arch.layerOf(out);
                T a = operand(l, n, 0, values);
                if (layer == null) return counted(l, out, l.matmul(a, operand(l, n, 1, values)));
                long[] w = shapes.dims(n.inputs().get(1)).one();
                return counted(l, out, l.linear(layer, a, outDims, (int) w[0], (int) w[1], arch.hasFoldedBias(out),
                        outDims.batchLeading() ? outDims.sizeOfOne() : 0));
            }
            case "Einsum" -> {
                return counted(l, out, Einsum.parse(n).apply(l, operand(l, n, 0, values), shapes.dims(n.inputs().get(0)),
                        operand(l, n, 1, values), shapes.dims(n.inputs().get(1)), n));
            }
            case "Add", "Sub", "Mul", "Div", "Pow" -> {
                Layers.Binary b = Layers.Binary.valueOf(op.toUpperCase());
                return counted(l, out, l.binary(b, operand(l, n, 0, values), operand(l, n, 1, values)));
            }
            case "Erf", "Sqrt", "Exp", "Tanh", "Neg", "Abs", "Reciprocal" -> {
                return counted(l, out, l.unary(Layers.Unary.valueOf(op.toUpperCase()), operand(l, n, 0, values)));
            }
            case "Gelu" -> {
                boolean tanh = n.s("approximate", "none").equals("tanh");
                return counted(l, out, l.unary(tanh ? Layers.Unary.GELU_TANH : Layers.Unary.GELU, operand(l, n, 0, values)));
            }
            case "Softmax" -> {
                if (arch.strippedSoftmax(n)) return operand(l, n, 0, values);
                int rank = shapes.dims(n.inputs().get(0)).rank();
                int axis = axis(n.i("axis", arch.opset() >= 13 ? -1 : 1), rank);
                if (arch.opset() < 13 && axis != rank - 1) {
                    throw OnnxArchitecture.unsupported(n, "a Softmax before opset 13 on axis " + axis + " (not the last)");
                }
                return counted(l, out, l.softmax(operand(l, n, 0, values), axis));
            }
            case "ReduceMean" -> {
                int rank = shapes.dims(n.inputs().get(0)).rank();
                long[] a = arch.opset() >= 18 && n.inputs().size() > 1 ? shapes.constant(n.inputs().get(1)).longs()
                        : n.ints("axes", null);
                int[] axes = new int[a == null ? rank : a.length];
                for (int i = 0; i < axes.length; i++) axes[i] = a == null ? i : axis(a[i], rank);
                return counted(l, out, l.reduceMean(operand(l, n, 0, values), axes, n.i("keepdims", 1) != 0));
            }
            case "LayerNormalization" -> {
                int rank = shapes.dims(n.inputs().get(0)).rank();
                T beta = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? operand(l, n, 2, values) : null;
                return counted(l, out, l.layerNorm(operand(l, n, 0, values), rank, axis(n.i("axis", -1), rank),
                        operand(l, n, 1, values), beta, n.f("epsilon", 1e-5f)));
            }
            case "Transpose" -> {
                return counted(l, out, l.transpose(operand(l, n, 0, values), GraphShapes.perm(n, shapes.dims(n.inputs().get(0)).rank())));
            }
            case "Reshape", "Flatten", "Squeeze", "Unsqueeze" -> {
                return l.reshape(operand(l, n, 0, values), outDims);
            }
            case "Expand" -> {
                return counted(l, out, l.expand(operand(l, n, 0, values), outDims));
            }
            case "Gather" -> {
                Dims d = shapes.dims(n.inputs().get(0));
                int axis = axis(n.i("axis", 0), d.rank());
                ConstTensor idx = constant(n, 1);
                if (d.batchAxis(axis)) throw OnnxArchitecture.unsupported(n, "a Gather along the batch axis");
                long[] index = idx.longs();
                for (int i = 0; i < index.length; i++) if (index[i] < 0) index[i] += d.one()[axis];
                return counted(l, out, l.gather(operand(l, n, 0, values), d, axis, index, idx.dims()));
            }
            case "Slice" -> {
                Dims d = shapes.dims(n.inputs().get(0));
                long[][] s = sliceArgs(n);
                T x = operand(l, n, 0, values);
                for (int i = 0; i < s[0].length; i++) {
                    int axis = axis(s[2] == null ? i : s[2][i], d.rank());
                    if (d.batchAxis(axis)) {
                        boolean whole = s[0][i] == 0 && s[1][i] >= Integer.MAX_VALUE && (s[3] == null || s[3][i] == 1);
                        if (!whole) throw OnnxArchitecture.unsupported(n, "a Slice of part of the batch axis");
                        continue;
                    }
                    x = l.slice(x, d, axis, s[0][i], s[1][i], s[3] == null ? 1 : s[3][i]);
                    long[] one = d.one().clone(), two = d.two().clone();
                    one[axis] = two[axis] = Dims.sliceIndices(d.one()[axis], s[0][i], s[1][i], s[3] == null ? 1 : s[3][i]).length;
                    d = new Dims(one, two);
                }
                return counted(l, out, x);
            }
            case "Concat" -> {
                List<T> parts = new ArrayList<>();
                for (int i = 0; i < n.inputs().size(); i++) parts.add(operand(l, n, i, values));
                return counted(l, out, l.concat(parts, axis(n.i("axis", 1), outDims.rank())));
            }
            case "Pad" -> {
                Dims d = shapes.dims(n.inputs().get(0));
                if (!n.s("mode", "constant").equals("constant")) {
                    if (d.rank() == 4 && d.batchLeading()) return arch.translateCnn(l, n, act(n, values, 0)).v();
                    throw OnnxArchitecture.unsupported(n, "Pad mode " + n.s("mode", "") + " on a tensor of rank " + d.rank());
                }
                long[] pads = shapes.pads(n, d.rank(), 0);
                ConstTensor value = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? constant(n, 2) : null;
                return counted(l, out, l.pad(operand(l, n, 0, values), pads, value == null ? n.f("value", 0f) : value.v()[0]));
            }
            default -> throw OnnxArchitecture.unsupported(n, "operator " + op);
        }
    }

    /**
     * Records {@code y} as the output of every module whose scope contains {@code n} (the last node of a scope is
     * its module's output), so DANCE and the probes address layers by PyTorch module names such as
     * {@code encoder.layers.encoder_layer_3}. Only tensors with the batch leading are probes' layers.
     */
    private <T> void nameModules(Layers<T> l, OnnxModel.Node n, T y) {
        Dims d = shapes.dims(n.outputs().get(0));
        if (!d.batchLeading()) return;
        String path = modulePaths.computeIfAbsent(n, k -> OnnxArchitecture.modulePath(k.name()));
        if (path.isEmpty()) return;
        for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) {
            l.nameModule(path.substring(0, dot), y, d.perImage());
        }
        l.nameModule(path, y, d.perImage());
    }

    /** Split as one slice per output. */
    private <T> void split(Layers<T> l, OnnxModel.Node n, Map<String, T> values) {
        Dims d = shapes.dims(n.inputs().get(0));
        int axis = axis(n.i("axis", 0), d.rank());
        if (d.batchAxis(axis)) throw OnnxArchitecture.unsupported(n, "a Split of the batch axis");
        long[] sizes = shapes.splitSizes(n, d.one()[axis], n.outputs().size(), 0);
        T x = operand(l, n, 0, values);
        long start = 0;
        for (int i = 0; i < sizes.length; i++) {
            String out = n.outputs().get(i);
            values.put(out, counted(l, out, l.slice(x, d, axis, start, start + sizes[i], 1)));
            start += sizes[i];
        }
    }

    /** Slice's arguments at batch 1, which must equal those at batch 2 (a slice that depends on the batch is refused). */
    private long[][] sliceArgs(OnnxModel.Node n) {
        long[][] one = shapes.sliceArgs(n, 0), two = shapes.sliceArgs(n, 1);
        for (int i = 0; i < one.length; i++) {
            if (!java.util.Arrays.equals(one[i], two[i])) throw OnnxArchitecture.unsupported(n, "a Slice whose bounds depend on the batch");
        }
        return one;
    }

    private <T> T counted(Layers<T> l, String out, T v) {
        l.count(shapes.dims(out).sizeOfOne());
        return v;
    }

    private ConstTensor constant(OnnxModel.Node n, int i) {
        ConstTensor[] c = shapes.constantPair(n.inputs().get(i));
        if (c == null) throw OnnxArchitecture.unsupported(n, "input '" + n.inputs().get(i) + "' that is not a constant");
        if (!c[0].equals(c[1])) throw OnnxArchitecture.unsupported(n, "input '" + n.inputs().get(i) + "' that depends on the batch");
        return c[0];
    }

    /** Input {@code i} as an engine tensor: an activation, a parameter of the weight view, or a constant. */
    private <T> T operand(Layers<T> l, OnnxModel.Node n, int i, Map<String, T> values) {
        String name = n.inputs().get(i);
        T v = values.get(name);
        if (v != null) return v;
        if (shapes.isParameter(name)) return l.tensor(name);
        if (shapes.isConstant(name)) {
            ConstTensor c = constant(n, i);
            return l.constant(name, constantValues.computeIfAbsent(name, k -> c.floats()), c.dims());
        }
        throw OnnxArchitecture.unsupported(n, "input '" + name + "' that is not computed by an earlier node");
    }

    /** Input {@code i} as a CNN activation: [n, C, H, W] or [n, C]. */
    private <T> Layers.Act<T> act(OnnxModel.Node n, Map<String, T> values, int i) {
        T v = values.get(n.inputs().get(i));
        if (v == null) throw OnnxArchitecture.unsupported(n, n.opType() + " of '" + n.inputs().get(i) + "', which is not an activation");
        Dims d = shapes.dims(n.inputs().get(i));
        long[] p = d.perImage();
        if (d.batchLeading() && p.length == 3) return new Layers.Act<>(v, (int) p[0], (int) p[1], (int) p[2]);
        if (d.batchLeading() && p.length == 1) return Layers.Act.flat(v, (int) p[0]);
        if (n.opType().equals("Gemm") && d.rank() == 2) return Layers.Act.flat(v, (int) d.one()[1]);
        throw OnnxArchitecture.unsupported(n, n.opType() + " on a tensor of shape " + d);
    }

    private static int axis(long a, int rank) {
        return (int) (a < 0 ? a + rank : a);
    }
}
