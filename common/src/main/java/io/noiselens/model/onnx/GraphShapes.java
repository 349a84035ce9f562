package io.noiselens.model.onnx;

import io.noiselens.model.Dims;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the import knows about every tensor of a graph before building it for an engine, for the model's fixed
 * input size: each activation's shape ({@link Dims}, inferred at batch 1 and batch 2) and each constant's value.
 * Nodes whose inputs are all constants — the shape-computing subgraphs of transformer exports (Shape, Gather on
 * shapes, Range, ConstantOfShape, Equal/Where, ScatterND, …) — are evaluated here once ({@link ConstTensor}), at
 * batch 1 and at batch 2, so a value that depends on the batch is known as a function of it; only the nodes that
 * touch activations or parameters are left for the engine.
 *
 * <p>Float initializers with more than one element are model parameters (torch exports name them by module, or
 * {@code onnx::…} for weights it pre-transposed), never folded: weight noise must reach them wherever they are used
 * (a ViT's class token and position embedding, a Swin relative-position table, ConvNeXt's layer scale). Integer
 * initializers, scalars and {@code Constant} nodes are constants.
 */
public final class GraphShapes {
    /** Operators evaluated at import when all their inputs are constants. */
    static final Set<String> FOLDABLE = Set.of("Constant", "Identity", "Shape", "Size", "Gather", "Unsqueeze", "Squeeze",
            "Concat", "Slice", "Reshape", "Transpose", "Cast", "Add", "Sub", "Mul", "Div", "Mod", "Pow", "Equal", "Less",
            "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Not", "Where", "Expand", "Range", "ConstantOfShape",
            "ScatterND", "Neg", "Abs", "Floor", "Ceil", "Sqrt", "Max", "Min", "ReduceProd", "ReduceSum", "ReduceMean",
            "ReduceMax", "ReduceMin", "Tile", "Flatten", "Pad", "Dropout", "CastLike", "Split");

    private final Map<String, ConstTensor[]> constants = new HashMap<>();
    private final Map<String, Dims> dims = new HashMap<>();
    private final Set<String> parameters = new HashSet<>();
    private final Set<OnnxModel.Node> folded = new HashSet<>();
    private final long opset;

    /**
     * Folds the constant parts of {@code model} and infers the shape of every other tensor, the input being
     * [n, {@code chw}]; throws {@link IllegalArgumentException} naming the node whose shape cannot be inferred.
     */
    public GraphShapes(OnnxModel model, String input, long[] chw) {
        this.opset = model.opset();
        for (OnnxModel.Initializer t : model.initializers().values()) {
            if (t.floats() != null && t.floats().length > 1) {
                parameters.add(t.name());
                dims.put(t.name(), Dims.fixed(t.dims()));
            } else if (t.floats() != null || t.longs() != null) {
                ConstTensor c = ConstTensor.of(t);
                constants.put(t.name(), new ConstTensor[]{c, c});
            }
        }
        dims.put(input, Dims.batched(chw));
        for (OnnxModel.Node n : model.nodes()) {
            try {
                visit(n);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("node '" + (n.name().isEmpty() ? n.outputs().get(0) : n.name()) + "' ("
                        + n.opType() + "): " + e.getMessage(), e);
            }
        }
    }

    /** The value of a folded constant at batch 1, or null when {@code name} is not one. */
    public ConstTensor constant(String name) {
        ConstTensor[] c = constants.get(name);
        return c == null ? null : c[0];
    }

    /** The value of a folded constant at batch 1 and batch 2. */
    public ConstTensor[] constantPair(String name) {
        return constants.get(name);
    }

    public boolean isConstant(String name) {
        return constants.containsKey(name);
    }

    /** Whether {@code name} is a float initializer kept as a model parameter. */
    public boolean isParameter(String name) {
        return parameters.contains(name);
    }

    /** The shape of an activation or parameter. */
    public Dims dims(String name) {
        Dims d = dims.get(name);
        if (d != null) return d;
        ConstTensor[] c = constants.get(name);
        if (c != null) return new Dims(c[0].dims(), c[1].dims());
        throw new IllegalArgumentException("no shape for '" + name + "'");
    }

    /** Whether the node's outputs were folded at import (nothing for an engine to compute). */
    public boolean folded(OnnxModel.Node n) {
        return folded.contains(n);
    }

    private void visit(OnnxModel.Node n) {
        String op = n.opType();
        boolean allConstant = true;
        for (String in : n.inputs()) if (!in.isEmpty() && !constants.containsKey(in)) allConstant = false;
        if (op.equals("Shape") && dims.containsKey(n.inputs().get(0))) {
            Dims d = dims.get(n.inputs().get(0));
            put(n, shapeOf(n, d.one()), shapeOf(n, d.two()));
            return;
        }
        if (op.equals("Size") && dims.containsKey(n.inputs().get(0))) {
            Dims d = dims.get(n.inputs().get(0));
            put(n, ConstTensor.ints(new long[0], ConstTensor.size(d.one())), ConstTensor.ints(new long[0], ConstTensor.size(d.two())));
            return;
        }
        if (op.equals("Identity") && parameters.contains(n.inputs().get(0))) {
            // An initializer torch.onnx shared between modules: a parameter of its own under this name.
            parameters.add(n.outputs().get(0));
            dims.put(n.outputs().get(0), dims.get(n.inputs().get(0)));
            folded.add(n);
            return;
        }
        if (op.equals("Split")) {
            split(n, allConstant);
            return;
        }
        if (allConstant && FOLDABLE.contains(op)) {
            put(n, eval(n, 0), eval(n, 1));
            return;
        }
        long[] one = infer(n, 0), two = infer(n, 1);
        dims.put(n.outputs().get(0), new Dims(one, two));
    }

    /**
     * Split's outputs: equal parts (or {@code num_outputs} from opset 18, the last one smaller) unless the sizes
     * are given (an input from opset 13, an attribute before); folded when the input is a constant.
     */
    private void split(OnnxModel.Node n, boolean constant) {
        for (int w = 0; w < 2; w++) {
            long[] x = shape(n, 0, w);
            int axis = axis(n.i("axis", 0), x.length), parts = n.outputs().size();
            long[] sizes = splitSizes(n, x[axis], parts, w);
            long start = 0;
            for (int i = 0; i < parts; i++) {
                String out = n.outputs().get(i);
                if (constant) {
                    ConstTensor c = in(n, 0, w).slice(new long[]{start}, new long[]{start + sizes[i]}, new long[]{axis}, null);
                    constants.computeIfAbsent(out, k -> new ConstTensor[2])[w] = c;
                } else {
                    long[] d = x.clone();
                    d[axis] = sizes[i];
                    Dims prev = dims.get(out);
                    dims.put(out, w == 0 ? new Dims(d, d) : new Dims(prev.one(), d));
                }
                start += sizes[i];
            }
        }
        if (constant) folded.add(n);
    }

    /** The sizes of Split's parts along an axis of length {@code d}. */
    long[] splitSizes(OnnxModel.Node n, long d, int parts, int w) {
        ConstTensor given = n.inputs().size() > 1 && !n.inputs().get(1).isEmpty() ? in(n, 1, w) : null;
        long[] sizes = given != null ? given.longs() : n.ints("split", null);
        if (sizes != null) return sizes;
        sizes = new long[parts];
        long each = (d + parts - 1) / parts;
        for (int i = 0; i < parts; i++) sizes[i] = Math.min(each, d - i * each);
        return sizes;
    }

    private void put(OnnxModel.Node n, ConstTensor one, ConstTensor two) {
        constants.put(n.outputs().get(0), new ConstTensor[]{one, two});
        folded.add(n);
    }

    private ConstTensor shapeOf(OnnxModel.Node n, long[] d) {
        long start = n.i("start", 0), end = n.i("end", d.length);
        if (start < 0) start += d.length;
        if (end < 0) end += d.length;
        start = Math.max(0, Math.min(d.length, start));
        end = Math.max(start, Math.min(d.length, end));
        return ConstTensor.vector(Arrays.copyOfRange(d, (int) start, (int) end));
    }

    /** Input {@code i} of {@code n} as a constant at batch 1 ({@code which} 0) or 2, or null when absent. */
    private ConstTensor in(OnnxModel.Node n, int i, int which) {
        if (i >= n.inputs().size() || n.inputs().get(i).isEmpty()) return null;
        ConstTensor[] c = constants.get(n.inputs().get(i));
        if (c == null) throw new IllegalArgumentException("input '" + n.inputs().get(i) + "' must be a constant");
        return c[which];
    }

    private long[] shape(OnnxModel.Node n, int i, int which) {
        String name = n.inputs().get(i);
        Dims d = dims.get(name);
        if (d != null) return which == 0 ? d.one() : d.two();
        ConstTensor[] c = constants.get(name);
        if (c != null) return c[which].dims();
        throw new IllegalArgumentException("input '" + name + "' is not computed by an earlier node");
    }

    /** The axes of Squeeze/Unsqueeze/Reduce*: an input from opset 13 (18 for reductions), else the attribute. */
    private long[] axes(OnnxModel.Node n, int which) {
        ConstTensor a = n.inputs().size() > 1 && !n.inputs().get(1).isEmpty() ? in(n, 1, which) : null;
        return a != null ? a.longs() : n.ints("axes", null);
    }

    private static int axis(long a, int rank) {
        int r = (int) (a < 0 ? a + rank : a);
        if (r < 0 || r >= rank) throw new IllegalArgumentException("axis " + a + " outside rank " + rank);
        return r;
    }

    private ConstTensor eval(OnnxModel.Node n, int w) {
        String op = n.opType();
        switch (op) {
            case "Constant" -> {
                OnnxModel.Initializer value = n.constantValue();
                if (value == null) throw new IllegalArgumentException("a Constant without a value");
                return ConstTensor.of(value);
            }
            case "Identity", "Dropout" -> {
                return in(n, 0, w);
            }
            case "Shape" -> {
                return shapeOf(n, in(n, 0, w).dims());
            }
            case "Size" -> {
                return ConstTensor.ints(new long[0], ConstTensor.size(in(n, 0, w).dims()));
            }
            case "Cast", "CastLike" -> {
                ConstTensor x = in(n, 0, w);
                int to = op.equals("Cast") ? (int) n.i("to", OnnxModel.FLOAT) : (in(n, 1, w).integer() ? OnnxModel.INT64 : OnnxModel.FLOAT);
                boolean integer = to != OnnxModel.FLOAT && to != OnnxModel.DOUBLE && to != 10 && to != 16;
                return to == OnnxModel.BOOL ? x.map(v -> v != 0 ? 1 : 0, true) : x.map(v -> integer ? (double) (long) v : v, integer);
            }
            case "Gather" -> {
                ConstTensor x = in(n, 0, w);
                return x.gather(axis(n.i("axis", 0), x.rank()), in(n, 1, w));
            }
            case "Unsqueeze" -> {
                ConstTensor x = in(n, 0, w);
                return x.reshape(unsqueezed(x.dims(), axes(n, w)));
            }
            case "Squeeze" -> {
                ConstTensor x = in(n, 0, w);
                return x.reshape(squeezed(x.dims(), axes(n, w)));
            }
            case "Flatten" -> {
                ConstTensor x = in(n, 0, w);
                return x.reshape(flattened(x.dims(), n.i("axis", 1)));
            }
            case "Concat" -> {
                List<ConstTensor> parts = new ArrayList<>();
                for (int i = 0; i < n.inputs().size(); i++) parts.add(in(n, i, w));
                return ConstTensor.concat(parts, axis(n.i("axis", 0), parts.get(0).rank()));
            }
            case "Slice" -> {
                ConstTensor x = in(n, 0, w);
                long[][] s = sliceArgs(n, w);
                return x.slice(s[0], s[1], s[2], s[3]);
            }
            case "Reshape" -> {
                ConstTensor x = in(n, 0, w);
                return x.reshape(reshaped(x.dims(), in(n, 1, w).longs(), n.i("allowzero", 0) != 0));
            }
            case "Transpose" -> {
                ConstTensor x = in(n, 0, w);
                return x.transpose(perm(n, x.rank()));
            }
            case "Expand" -> {
                ConstTensor x = in(n, 0, w);
                return x.expand(ConstTensor.broadcast(x.dims(), in(n, 1, w).longs()));
            }
            case "Tile" -> {
                return in(n, 0, w).tile(in(n, 1, w).longs());
            }
            case "Range" -> {
                ConstTensor s = in(n, 0, w), l = in(n, 1, w), d = in(n, 2, w);
                return ConstTensor.range(s.v()[0], l.v()[0], d.v()[0], s.integer());
            }
            case "ConstantOfShape" -> {
                long[] shape = in(n, 0, w).longs();
                OnnxModel.Attribute value = n.attributes().get("value");
                ConstTensor v = value != null && value.t() != null ? ConstTensor.of(value.t()) : new ConstTensor(new long[]{1}, new double[]{0}, false);
                double[] data = new double[(int) ConstTensor.size(shape)];
                Arrays.fill(data, v.v()[0]);
                return new ConstTensor(shape, data, v.integer());
            }
            case "ScatterND" -> {
                if (!n.s("reduction", "none").equals("none")) throw new IllegalArgumentException("ScatterND with a reduction");
                return in(n, 0, w).scatterNd(in(n, 1, w), in(n, 2, w));
            }
            case "Where" -> {
                return ConstTensor.where(in(n, 0, w), in(n, 1, w), in(n, 2, w));
            }
            case "Pad" -> {
                ConstTensor x = in(n, 0, w);
                if (!n.s("mode", "constant").equals("constant")) throw new IllegalArgumentException("Pad mode " + n.s("mode", ""));
                ConstTensor value = in(n, 2, w);
                return x.pad(pads(n, x.rank(), w), value == null ? 0 : value.v()[0]);
            }
            case "ReduceProd", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin" -> {
                ConstTensor x = in(n, 0, w);
                long[] axes = op.equals("ReduceSum") || opset >= 18 ? axes(n, w) : n.ints("axes", null);
                return x.reduce(axes, n.i("keepdims", 1) != 0, op.substring(6).toLowerCase());
            }
            case "Not" -> {
                return in(n, 0, w).map(v -> v == 0 ? 1 : 0, true);
            }
            case "Neg", "Abs", "Floor", "Ceil", "Sqrt" -> {
                ConstTensor x = in(n, 0, w);
                return switch (op) {
                    case "Neg" -> x.map(v -> -v, x.integer());
                    case "Abs" -> x.map(Math::abs, x.integer());
                    case "Floor" -> x.map(Math::floor, x.integer());
                    case "Ceil" -> x.map(Math::ceil, x.integer());
                    default -> x.map(Math::sqrt, false);
                };
            }
            default -> {
                ConstTensor a = in(n, 0, w), b = in(n, 1, w);
                boolean integer = a.integer() && b.integer();
                return switch (op) {
                    case "Add" -> ConstTensor.binary(a, b, Double::sum, integer);
                    case "Sub" -> ConstTensor.binary(a, b, (x, y) -> x - y, integer);
                    case "Mul" -> ConstTensor.binary(a, b, (x, y) -> x * y, integer);
                    case "Div" -> ConstTensor.binary(a, b, integer ? (x, y) -> (double) ((long) x / (long) y) : (x, y) -> x / y, integer);
                    case "Mod" -> ConstTensor.binary(a, b, n.i("fmod", 0) != 0 ? (x, y) -> x % y
                            : (x, y) -> x - Math.floor(x / y) * y, integer);
                    case "Pow" -> ConstTensor.binary(a, b, Math::pow, a.integer());
                    case "Max" -> ConstTensor.binary(a, b, Math::max, integer);
                    case "Min" -> ConstTensor.binary(a, b, Math::min, integer);
                    case "Equal" -> ConstTensor.binary(a, b, (x, y) -> x == y ? 1 : 0, true);
                    case "Less" -> ConstTensor.binary(a, b, (x, y) -> x < y ? 1 : 0, true);
                    case "Greater" -> ConstTensor.binary(a, b, (x, y) -> x > y ? 1 : 0, true);
                    case "LessOrEqual" -> ConstTensor.binary(a, b, (x, y) -> x <= y ? 1 : 0, true);
                    case "GreaterOrEqual" -> ConstTensor.binary(a, b, (x, y) -> x >= y ? 1 : 0, true);
                    case "And" -> ConstTensor.binary(a, b, (x, y) -> x != 0 && y != 0 ? 1 : 0, true);
                    case "Or" -> ConstTensor.binary(a, b, (x, y) -> x != 0 || y != 0 ? 1 : 0, true);
                    default -> throw new IllegalArgumentException("no constant evaluation of " + op);
                };
            }
        }
    }

    /** starts, ends, axes (or null), steps (or null) of a Slice: inputs from opset 10, attributes before. */
    long[][] sliceArgs(OnnxModel.Node n, int w) {
        if (n.inputs().size() > 1) {
            ConstTensor axes = in(n, 3, w), steps = in(n, 4, w);
            return new long[][]{in(n, 1, w).longs(), in(n, 2, w).longs(), axes == null ? null : axes.longs(),
                    steps == null ? null : steps.longs()};
        }
        return new long[][]{n.ints("starts", null), n.ints("ends", null), n.ints("axes", null), null};
    }

    /** Pad's pads [begin…, end…] for a tensor of {@code rank} (the input from opset 11, with optional axes from 18). */
    long[] pads(OnnxModel.Node n, int rank, int w) {
        long[] p = n.inputs().size() > 1 ? in(n, 1, w).longs() : n.ints("pads", null);
        ConstTensor axes = in(n, 3, w);
        if (axes == null) return p;
        long[] full = new long[2 * rank];
        long[] a = axes.longs();
        for (int i = 0; i < a.length; i++) {
            int ax = axis(a[i], rank);
            full[ax] = p[i];
            full[ax + rank] = p[i + a.length];
        }
        return full;
    }

    static int[] perm(OnnxModel.Node n, int rank) {
        long[] p = n.ints("perm", null);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) out[i] = p == null ? rank - 1 - i : (int) p[i];
        return out;
    }

    static long[] unsqueezed(long[] d, long[] axes) {
        int r = d.length + axes.length;
        boolean[] inserted = new boolean[r];
        for (long a : axes) inserted[axis(a, r)] = true;
        long[] out = new long[r];
        for (int i = 0, j = 0; i < r; i++) out[i] = inserted[i] ? 1 : d[j++];
        return out;
    }

    static long[] squeezed(long[] d, long[] axes) {
        boolean[] drop = new boolean[d.length];
        if (axes == null) for (int i = 0; i < d.length; i++) drop[i] = d[i] == 1;
        else for (long a : axes) drop[axis(a, d.length)] = true;
        return java.util.stream.IntStream.range(0, d.length).filter(i -> !drop[i]).mapToLong(i -> d[i]).toArray();
    }

    static long[] flattened(long[] d, long axis) {
        int a = (int) (axis < 0 ? axis + d.length : axis);
        long outer = 1, inner = 1;
        for (int i = 0; i < d.length; i++) {
            if (i < a) outer *= d[i];
            else inner *= d[i];
        }
        return new long[]{outer, inner};
    }

    /** ONNX Reshape's target: 0 copies the input dimension (unless allowzero), −1 is inferred. */
    static long[] reshaped(long[] in, long[] target, boolean allowZero) {
        long[] out = target.clone();
        long total = ConstTensor.size(in), known = 1;
        int inferred = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && !allowZero) out[i] = in[i];
            if (out[i] == -1) {
                if (inferred >= 0) throw new IllegalArgumentException("Reshape with two -1 dimensions");
                inferred = i;
            } else {
                known *= out[i];
            }
        }
        if (inferred >= 0) out[inferred] = known == 0 ? 0 : total / known;
        if (ConstTensor.size(out) != total) {
            throw new IllegalArgumentException("Reshape of " + Arrays.toString(in) + " to " + Arrays.toString(target));
        }
        return out;
    }

    /** The output shape of a node the engine computes, at batch 1 ({@code w} 0) or 2. */
    private long[] infer(OnnxModel.Node n, int w) {
        String op = n.opType();
        long[] x = n.inputs().isEmpty() ? new long[0] : shape(n, 0, w);
        switch (op) {
            case "Conv", "MaxPool", "AveragePool" -> {
                long[] k;
                long cout;
                int groups = 1;
                if (op.equals("Conv")) {
                    long[] wd = shape(n, 1, w);
                    k = new long[]{wd[2], wd[3]};
                    cout = wd[0];
                    groups = (int) n.i("group", 1);
                } else {
                    k = n.ints("kernel_shape", null);
                    cout = x[1];
                }
                if (x.length != 4 || k == null || k.length != 2) throw new IllegalArgumentException("a window that is not 2-D");
                io.noiselens.model.Layers.Window g = OnnxArchitecture.window(n, (int) x[2], (int) x[3], (int) k[0], (int) k[1],
                        groups, op.equals("MaxPool"));
                return new long[]{x[0], cout, g.outH((int) x[2]), g.outW((int) x[3])};
            }
            case "GlobalAveragePool", "GlobalMaxPool" -> {
                return new long[]{x[0], x[1], 1, 1};
            }
            case "Gemm" -> {
                long[] b = shape(n, 1, w);
                return new long[]{n.i("transA", 0) != 0 ? x[1] : x[0], n.i("transB", 0) != 0 ? b[0] : b[1]};
            }
            case "MatMul" -> {
                return matmul(x, shape(n, 1, w));
            }
            case "Einsum" -> {
                return Einsum.parse(n).shape(x, shape(n, 1, w));
            }
            case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Equal", "PRelu" -> {
                return ConstTensor.broadcast(x, shape(n, 1, w));
            }
            case "Where" -> {
                return ConstTensor.broadcast(ConstTensor.broadcast(x, shape(n, 1, w)), shape(n, 2, w));
            }
            case "Transpose" -> {
                int[] p = perm(n, x.length);
                long[] out = new long[x.length];
                for (int i = 0; i < out.length; i++) out[i] = x[p[i]];
                return out;
            }
            case "Reshape" -> {
                return reshaped(x, in(n, 1, w).longs(), n.i("allowzero", 0) != 0);
            }
            case "Flatten" -> {
                return flattened(x, n.i("axis", 1));
            }
            case "Squeeze" -> {
                return squeezed(x, axes(n, w));
            }
            case "Unsqueeze" -> {
                return unsqueezed(x, axes(n, w));
            }
            case "Concat" -> {
                long[] out = x.clone();
                int a = axis(n.i("axis", 1), x.length);
                for (int i = 1; i < n.inputs().size(); i++) out[a] += shape(n, i, w)[a];
                return out;
            }
            case "Slice" -> {
                long[][] s = sliceArgs(n, w);
                long[] out = x.clone();
                for (int i = 0; i < s[0].length; i++) {
                    int a = axis(s[2] == null ? i : s[2][i], x.length);
                    out[a] = Dims.sliceIndices(x[a], s[0][i], s[1][i], s[3] == null ? 1 : s[3][i]).length;
                }
                return out;
            }
            case "Gather" -> {
                long[] idx = shape(n, 1, w);
                int a = axis(n.i("axis", 0), x.length);
                long[] out = new long[x.length - 1 + idx.length];
                System.arraycopy(x, 0, out, 0, a);
                System.arraycopy(idx, 0, out, a, idx.length);
                System.arraycopy(x, a + 1, out, a + idx.length, x.length - a - 1);
                return out;
            }
            case "Expand" -> {
                return ConstTensor.broadcast(x, in(n, 1, w).longs());
            }
            case "Tile" -> {
                long[] r = in(n, 1, w).longs(), out = x.clone();
                for (int i = 0; i < out.length; i++) out[i] *= r[i];
                return out;
            }
            case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd" -> {
                long[] axes = op.equals("ReduceSum") || opset >= 18 ? axes(n, w) : n.ints("axes", null);
                boolean keep = n.i("keepdims", 1) != 0;
                boolean[] red = new boolean[x.length];
                if (axes == null || axes.length == 0) Arrays.fill(red, true);
                else for (long a : axes) red[axis(a, x.length)] = true;
                List<Long> out = new ArrayList<>();
                for (int i = 0; i < x.length; i++) if (!red[i] || keep) out.add(red[i] ? 1 : x[i]);
                return out.stream().mapToLong(Long::longValue).toArray();
            }
            case "Pad" -> {
                long[] p = pads(n, x.length, w), out = x.clone();
                for (int i = 0; i < x.length; i++) out[i] += p[i] + p[i + x.length];
                return out;
            }
            case "Shape" -> throw new IllegalArgumentException("Shape of an unknown tensor");
            default -> {
                return x;   // element-wise and normalisation operators keep the shape of their first input
            }
        }
    }

    static long[] matmul(long[] a, long[] b) {
        if (a.length < 1 || b.length < 1) throw new IllegalArgumentException("MatMul of a scalar");
        long[] a2 = a.length == 1 ? new long[]{1, a[0]} : a, b2 = b.length == 1 ? new long[]{b[0], 1} : b;
        if (a2[a2.length - 1] != b2[b2.length - 2]) {
            throw new IllegalArgumentException("MatMul of " + Arrays.toString(a) + " by " + Arrays.toString(b));
        }
        long[] batch = ConstTensor.broadcast(Arrays.copyOf(a2, a2.length - 2), Arrays.copyOf(b2, b2.length - 2));
        List<Long> out = new ArrayList<>();
        for (long d : batch) out.add(d);
        if (a.length > 1) out.add(a2[a2.length - 2]);
        if (b.length > 1) out.add(b2[b2.length - 1]);
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}
