package io.noiselens.model.onnx;

import io.noiselens.model.Architecture;
import io.noiselens.model.Layers;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph (opset 7 and later) as a NoiseLens {@link Architecture}: each node of the standard CNN operator set
 * ({@link OnnxOperators#SUPPORTED}) becomes the equivalent {@link Layers} operation, so imported models get logits,
 * input gradients, BatchNorm folding, weight-noise replicas, MPRT and layer probes exactly like the built-in ones.
 *
 * <p>The ONNX initializers become the parameter view, converted once: convolution weights OIHW → YXIO (the layout
 * whose backprop works in SameDiff M2.1), Gemm/MatMul weights to [in, out] with Gemm's α and β multiplied in, and
 * a BatchNormalization that reads a convolution's only output folded into it as γ, β (trainable: replicas perturb
 * them, as NoiseGrad perturbs {@code model.parameters()}) and the running statistics (buffers, never perturbed).
 * Parameter names come from the initializers' names without their {@code .weight} suffix (torchvision exports
 * keep module names when constant folding is off), else from the node. A trailing Softmax is stripped: the
 * classifier explains the logits and applies softmax itself for the probability output.
 *
 * <p>Semantics are ONNX's (Operators.md): explicit or {@code auto_pad} padding, dilations, groups (depthwise
 * when groups = input channels), {@code ceil_mode} for max pooling (made exact by edge padding) and average pooling
 * where it does not change the output size, {@code count_include_pad}, Clip bounds from inputs (opset ≥ 11) or
 * attributes.
 */
public final class OnnxArchitecture implements Architecture {
    private final String name;
    private final List<OnnxModel.Node> nodes;
    private final Map<String, OnnxModel.Initializer> constants;
    private final String input;
    private final String output;
    private final int[] inputShape;
    private final int numClasses;
    /** Parameter-owning node (by output name) → its layer name in the parameter view. */
    private final Map<String, String> layerOf = new HashMap<>();
    /** Convolution (by output name) → the BatchNormalization folded into it. */
    private final Map<String, OnnxModel.Node> foldedBn = new HashMap<>();
    /** MatMul (by output name) → the Add whose constant is its bias. */
    private final Map<String, OnnxModel.Node> foldedBias = new HashMap<>();
    private final Set<OnnxModel.Node> absorbed = new HashSet<>();
    /** Nodes whose output is a constant (Constant, Identity of a constant): nothing to compute. */
    private final Set<OnnxModel.Node> constantNodes = new HashSet<>();
    private final List<Tensor> params = new ArrayList<>();
    /** Initializers turned into parameters. */
    private final Set<String> converted = new HashSet<>();
    private boolean softmaxStripped;
    private final long opset;
    /** The general path's shapes and translation (null for a graph of the CNN operator set). */
    private final GraphShapes shapes;
    private final GeneralGraph general;

    /**
     * Analyses {@code model}'s graph and converts its initializers; fails with {@link IllegalArgumentException}
     * naming the node when the graph is outside what the import can translate.
     */
    public OnnxArchitecture(String name, OnnxModel model) {
        this.name = name;
        this.nodes = model.nodes();
        this.constants = new LinkedHashMap<>(model.initializers());
        this.opset = model.opset();
        boolean cnn = model.nodes().stream().allMatch(n -> OnnxOperators.CNN.contains(n.opType()));
        for (OnnxModel.Node n : nodes) {
            if (n.opType().equals("Constant")) {
                OnnxModel.Initializer c = n.constantValue();
                if (c == null && cnn) throw unsupported(n, "a Constant without a value");
                if (c == null) continue;   // the general path folds the other kinds (GraphShapes)
                constantNodes.add(n);
                constants.put(n.outputs().get(0), c);
            } else if (n.opType().equals("Identity") && constants.containsKey(n.inputs().get(0))) {
                // torch.onnx shares duplicate initializers (e.g. equal zero biases) through Identity nodes; each
                // use is a parameter of its own, as the modules were in PyTorch.
                constants.put(n.outputs().get(0), constants.get(n.inputs().get(0)));
                constantNodes.add(n);
            }
        }
        if (model.inputs().size() != 1) {
            throw new IllegalArgumentException("the graph has " + model.inputs().size() + " inputs "
                    + names(model.inputs()) + "; an image classifier has exactly one");
        }
        if (model.outputs().size() != 1) {
            throw new IllegalArgumentException("the graph has " + model.outputs().size() + " outputs "
                    + names(model.outputs()) + "; export the logits only");
        }
        OnnxModel.ValueInfo in = model.inputs().get(0), out = model.outputs().get(0);
        this.input = in.name();
        this.output = out.name();
        if (in.dims().length != 4 || in.dims()[1] <= 0 || in.dims()[2] <= 0 || in.dims()[3] <= 0) {
            throw new IllegalArgumentException("input '" + in.name() + "' has shape " + dims(in.dims())
                    + "; expected [batch, channels, height, width] with fixed channels, height and width "
                    + "(export with a fixed image size; only the batch may be dynamic)");
        }
        this.inputShape = new int[]{(int) in.dims()[1], (int) in.dims()[2], (int) in.dims()[3]};
        long k = out.dims().length == 2 ? out.dims()[1] : -1;
        if (k <= 1) {
            throw new IllegalArgumentException("output '" + out.name() + "' has shape " + dims(out.dims())
                    + "; expected [batch, classes] logits with a fixed number of classes");
        }
        this.numClasses = (int) k;
        this.shapes = cnn ? null : new GraphShapes(model, input, new long[]{inputShape[0], inputShape[1], inputShape[2]});
        this.general = cnn ? null : new GeneralGraph(this, shapes);
        analyse();
        if (general != null) addTensorParameters();
        // The converted parameters now hold the weights; the graph keeps only their shapes (it lives as long as the
        // model does, on every executor).
        constants.replaceAll((key, c) -> converted.contains(key)
                ? new OnnxModel.Initializer(c.name(), c.dims(), c.dataType(), null, null) : c);
    }

    @Override
    public String name() {
        return name;
    }

    public int channels() {
        return inputShape[0];
    }

    public int height() {
        return inputShape[1];
    }

    public int width() {
        return inputShape[2];
    }

    public int numClasses() {
        return numClasses;
    }

    /** Whether the graph ended in a Softmax that the import removed (the model then explains its logits). */
    public boolean softmaxStripped() {
        return softmaxStripped;
    }

    /** The converted parameter view (see the class comment). */
    public ModelWeights weights() {
        return new ModelWeights(params);
    }

    /** Consumers per tensor name, and the parameter conversions that depend on the graph's structure. */
    private void analyse() {
        Map<String, List<OnnxModel.Node>> consumers = new HashMap<>();
        for (OnnxModel.Node n : nodes) {
            for (String i : n.inputs()) consumers.computeIfAbsent(i, x -> new ArrayList<>()).add(n);
        }
        Set<String> usedNames = new HashSet<>();
        for (OnnxModel.Node n : nodes) {
            String out = n.outputs().isEmpty() ? "" : n.outputs().get(0);
            List<OnnxModel.Node> next = consumers.getOrDefault(out, List.of());
            OnnxModel.Node only = next.size() == 1 && !out.equals(output) ? next.get(0) : null;
            switch (n.opType()) {
                case "Conv" -> {
                    String layer = layerName(n, 1, usedNames);
                    layerOf.put(out, layer);
                    OnnxModel.Initializer w = parameter(n, 1, "weight");
                    if (w.dims().length != 4) throw unsupported(n, "a " + w.dims().length + "-D convolution kernel");
                    params.add(new Tensor(layer + ".weight", yxioShape(w, (int) n.i("group", 1)), oihwToYxio(w), true));
                    if (optionalInput(n, 2) != null) params.add(vector(layer + ".bias", parameter(n, 2, "bias"), true, 1f));
                    if (only != null && only.opType().equals("BatchNormalization") && only.inputs().get(0).equals(out)) {
                        foldedBn.put(out, only);
                        absorbed.add(only);
                        addBatchNorm(only, layer + ".bn");
                    }
                }
                case "BatchNormalization" -> {
                    if (absorbed.contains(n)) continue;
                    String layer = layerName(n, 1, usedNames);
                    layerOf.put(out, layer);
                    addBatchNorm(n, layer);
                }
                case "Gemm" -> {
                    if (n.i("transA", 0) != 0) throw unsupported(n, "Gemm with transA = 1");
                    String layer = layerName(n, 1, usedNames);
                    layerOf.put(out, layer);
                    OnnxModel.Initializer b = parameter(n, 1, "B");
                    if (b.dims().length != 2) throw unsupported(n, "a " + b.dims().length + "-D Gemm weight");
                    float alpha = n.f("alpha", 1f), beta = n.f("beta", 1f);
                    boolean transB = n.i("transB", 0) != 0;
                    params.add(matrix(layer + ".weight", b, transB, alpha));
                    if (optionalInput(n, 2) != null) {
                        int outs = (int) (transB ? b.dims()[0] : b.dims()[1]);
                        OnnxModel.Initializer c = parameter(n, 2, "C");
                        if (c.floats() == null || c.floats().length != outs) {
                            throw unsupported(n, "a Gemm C of shape " + dims(c.dims()) + " (expected " + outs + " values)");
                        }
                        params.add(vector(layer + ".bias", c, true, beta));
                    }
                }
                case "MatMul" -> {
                    if (general != null && !constants.containsKey(n.inputs().get(1))) continue; // of two activations
                    String layer = layerName(n, 1, usedNames);
                    layerOf.put(out, layer);
                    OnnxModel.Initializer b = parameter(n, 1, "B");
                    if (b.dims().length != 2) throw unsupported(n, "MatMul with a " + b.dims().length + "-D constant");
                    params.add(matrix(layer + ".weight", b, false, 1f));
                    if (only != null && only.opType().equals("Add")) {
                        String other = only.inputs().get(0).equals(out) ? only.inputs().get(1) : only.inputs().get(0);
                        OnnxModel.Initializer c = constants.get(other);
                        if (c != null && c.floats() != null && c.floats().length == b.dims()[1]) {
                            converted.add(other);
                            foldedBias.put(out, only);
                            absorbed.add(only);
                            params.add(vector(layer + ".bias", c, true, 1f));
                        }
                    }
                }
                case "Softmax" -> {
                    if (general != null && !out.equals(output)) continue;   // attention
                    if (!out.equals(output)) {
                        throw unsupported(n, "a Softmax inside the network (only a trailing Softmax is removed)");
                    }
                    softmaxStripped = true;
                }
                default -> { }
            }
        }
    }

    /**
     * The general path's remaining float initializers that nodes read at run time (class tokens, position embeddings,
     * LayerNorm γ and β, layer scales, relative-position tables) as parameters under their own names; trainable
     * unless they are BatchNorm statistics.
     */
    private void addTensorParameters() {
        for (OnnxModel.Node n : nodes) {
            if (shapes.folded(n) || absorbed.contains(n)) continue;
            for (String in : n.inputs()) {
                if (!shapes.isParameter(in) || !converted.add(in)) continue;
                OnnxModel.Initializer c = constants.get(in);
                boolean statistic = in.endsWith("running_mean") || in.endsWith("running_var");
                params.add(new Tensor(in, c.dims(), c.floats(), !statistic));
            }
        }
    }

    /**
     * Whether this graph needs the general operators (not only the CNN set): the torch engine runs them with
     * autograd, the ND4J engine with SameDiff's autodiff (they have no hand-written reverse steps).
     */
    public boolean needsGeneralOperators() {
        return general != null;
    }

    /** The operators beyond the CNN set that this graph computes at run time (empty for a CNN graph). */
    public java.util.SortedSet<String> generalOperators() {
        java.util.SortedSet<String> ops = new java.util.TreeSet<>();
        if (general == null) return ops;
        for (OnnxModel.Node n : nodes) {
            if (!shapes.folded(n) && !absorbed.contains(n) && !OnnxOperators.CNN.contains(n.opType())) ops.add(n.opType());
        }
        return ops;
    }

    boolean absorbed(OnnxModel.Node n) {
        return absorbed.contains(n);
    }

    /** Other names of {@code out}'s value: the BatchNorm or bias Add folded into the node that computes it. */
    List<String> aliases(String out) {
        List<String> a = new ArrayList<>(1);
        OnnxModel.Node bn = foldedBn.get(out), bias = foldedBias.get(out);
        if (bn != null) a.add(bn.outputs().get(0));
        if (bias != null) a.add(bias.outputs().get(0));
        return a;
    }

    String layerOf(String out) {
        return layerOf.get(out);
    }

    boolean hasFoldedBias(String out) {
        return foldedBias.containsKey(out);
    }

    long opset() {
        return opset;
    }

    /** Whether {@code n} is the trailing Softmax the import strips (the model explains its logits). */
    boolean strippedSoftmax(OnnxModel.Node n) {
        return softmaxStripped && n.opType().equals("Softmax") && n.outputs().get(0).equals(output);
    }

    private void addBatchNorm(OnnxModel.Node bn, String prefix) {
        params.add(vector(prefix + ".gamma", parameter(bn, 1, "scale"), true, 1f));
        params.add(vector(prefix + ".beta", parameter(bn, 2, "B"), true, 1f));
        params.add(vector(prefix + ".running_mean", parameter(bn, 3, "mean"), false, 1f));
        params.add(vector(prefix + ".running_var", parameter(bn, 4, "var"), false, 1f));
    }

    /** What an ONNX tensor holds while the graph is built: an activation, rank 4 ({@code spatial}) or rank 2. */
    private record Value<T>(Layers.Act<T> act, boolean spatial) {}

    @Override
    public <T> Layers.Act<T> define(Layers<T> l, Layers.Act<T> x, ModelSpec spec) {
        if (x.c() != inputShape[0] || x.h() != inputShape[1] || x.w() != inputShape[2]) {
            throw new IllegalArgumentException("Graph " + name + " takes " + dims(inputShape) + " inputs, not "
                    + x.c() + "×" + x.h() + "×" + x.w());
        }
        if (general != null) return general.define(l, x, nodes, input, output, numClasses);
        Map<String, Value<T>> values = new HashMap<>();
        values.put(input, new Value<>(x, true));
        for (OnnxModel.Node n : nodes) {
            if (absorbed.contains(n) || constantNodes.contains(n)) continue;
            String out = n.outputs().get(0);
            Value<T> v = translate(l, n, values);
            values.put(out, v);
            if (v.spatial()) nameModules(l, n, v.act());
            OnnxModel.Node bn = foldedBn.get(out);
            if (bn != null) values.put(bn.outputs().get(0), v);
            OnnxModel.Node bias = foldedBias.get(out);
            if (bias != null) values.put(bias.outputs().get(0), v);
        }
        Value<T> logits = values.get(output);
        if (logits == null) throw new IllegalArgumentException("No node computes the graph output '" + output + "'");
        Layers.Act<T> a = logits.act();
        if (logits.spatial()) {
            if (a.h() != 1 || a.w() != 1) {
                throw new IllegalArgumentException("The graph output '" + output + "' is " + a.c() + "×" + a.h() + "×"
                        + a.w() + " per image, not a vector of logits");
            }
            a = l.flatten(a);
        }
        return a;
    }

    /**
     * The operators with a CNN form (an activation [n, C, H, W] or [n, C] in, one out): convolution with its folded
     * BatchNorm, standalone BatchNorm, the activation functions, pooling, Gemm (and MatMul by a weight on [n, C]),
     * spatial Pad. Shared by CNN graphs and the general path ({@link GeneralGraph}).
     */
    <T> Layers.Act<T> translateCnn(Layers<T> l, OnnxModel.Node n, Layers.Act<T> x) {
        String out = n.outputs().get(0);
        switch (n.opType()) {
            case "Conv" -> {
                OnnxModel.Initializer w = constants.get(n.inputs().get(1));
                int groups = (int) n.i("group", 1);
                Layers.Window g = window(n, x.h(), x.w(), (int) w.dims()[2], (int) w.dims()[3], groups, false);
                OnnxModel.Node bn = foldedBn.get(out);
                double eps = bn == null ? Layers.BN_EPS : bn.f("epsilon", 1e-5f);
                return l.conv(layerOf.get(out), x, (int) w.dims()[0], g, optionalInput(n, 2) != null, bn != null, eps, false);
            }
            case "BatchNormalization" -> {
                return l.batchNorm(layerOf.get(out), x, x.rank() == 4, n.f("epsilon", 1e-5f));
            }
            case "Relu" -> {
                return l.relu(x);
            }
            case "LeakyRelu" -> {
                return l.leakyRelu(x, n.f("alpha", 0.01f));
            }
            case "Sigmoid" -> {
                return l.sigmoid(x);
            }
            case "HardSigmoid" -> {
                return l.hardSigmoid(x, n.f("alpha", 0.2f), n.f("beta", 0.5f));
            }
            case "HardSwish" -> {
                return l.hardSwish(x);
            }
            case "Clip" -> {
                double lo = n.f("min", Float.NEGATIVE_INFINITY), hi = n.f("max", Float.POSITIVE_INFINITY);
                if (optionalInput(n, 1) != null) lo = scalar(n, 1);
                if (optionalInput(n, 2) != null) hi = scalar(n, 2);
                return l.clip(x, lo, hi);
            }
            case "MaxPool", "AveragePool" -> {
                if (n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()) {
                    throw unsupported(n, "MaxPool's Indices output");
                }
                long[] k = n.ints("kernel_shape", null);
                if (k == null || k.length != 2) throw unsupported(n, "pooling without a 2-D kernel_shape");
                boolean max = n.opType().equals("MaxPool");
                Layers.Window g = window(n, x.h(), x.w(), (int) k[0], (int) k[1], 1, max);
                return max ? l.maxPool(x, g) : l.avgPool(x, g, n.i("count_include_pad", 0) != 0);
            }
            case "GlobalAveragePool" -> {
                return l.globalAvgPoolKeepDims(x);
            }
            case "Gemm", "MatMul" -> {
                OnnxModel.Initializer b = constants.get(n.inputs().get(1));
                if (b == null) throw unsupported(n, n.opType() + " of two activations");
                boolean transB = n.opType().equals("Gemm") && n.i("transB", 0) != 0;
                int outs = (int) (transB ? b.dims()[0] : b.dims()[1]);
                boolean bias = n.opType().equals("Gemm") ? optionalInput(n, 2) != null : foldedBias.containsKey(out);
                return l.dense(layerOf.get(out), x, outs, bias);
            }
            case "Pad" -> {
                long[] pads = optionalInput(n, 1) != null ? longs(n, 1) : n.ints("pads", null);
                String mode = n.s("mode", "constant");
                float fill = optionalInput(n, 2) != null ? (float) scalar(n, 2) : n.f("value", 0f);
                if (pads == null || pads.length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) {
                    throw unsupported(n, "Pad with pads " + Arrays.toString(pads) + " (only the two spatial axes)");
                }
                if (!(mode.equals("constant") && fill == 0f) && !mode.equals("edge")) {
                    throw unsupported(n, "Pad mode '" + mode + "' with value " + fill + " (constant 0 and edge are supported)");
                }
                Layers.Window g = new Layers.Window(1, 1, 1, 1, (int) pads[2], (int) pads[3], (int) pads[6], (int) pads[7], 1, 1, 1);
                return l.pad(x, g, mode.equals("edge"));
            }
            default -> throw unsupported(n, "operator " + n.opType());
        }
    }

    private <T> Value<T> translate(Layers<T> l, OnnxModel.Node n, Map<String, Value<T>> values) {
        switch (n.opType()) {
            case "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Pad" -> {
                Layers.Act<T> y = translateCnn(l, n, spatial(n, values, 0).act());
                return new Value<>(y, true);
            }
            case "BatchNormalization", "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Clip" -> {
                Value<T> x = value(n, values, 0);
                return new Value<>(translateCnn(l, n, x.act()), x.spatial());
            }
            case "Gemm", "MatMul" -> {
                Value<T> x = value(n, values, 0);
                if (x.spatial()) throw unsupported(n, n.opType() + " on a 4-D activation (flatten it first)");
                return new Value<>(translateCnn(l, n, x.act()), false);
            }
            case "Add", "Mul", "Sub", "Div" -> {
                return arithmetic(l, n, values);
            }
            case "Concat" -> {
                List<Layers.Act<T>> parts = new ArrayList<>();
                Boolean spatial = null;
                for (int i = 0; i < n.inputs().size(); i++) {
                    Value<T> v = value(n, values, i);
                    if (spatial != null && spatial != v.spatial()) throw unsupported(n, "Concat of 4-D and 2-D activations");
                    spatial = v.spatial();
                    parts.add(v.act());
                }
                long axis = n.i("axis", 1);
                int rank = spatial ? 4 : 2;
                if (axis != 1 && axis != 1 - rank) throw unsupported(n, "Concat on axis " + axis + " (only channels)");
                return new Value<>(l.concat(parts), spatial);
            }
            case "Flatten" -> {
                Value<T> x = value(n, values, 0);
                if (n.i("axis", 1) != 1) throw unsupported(n, "Flatten with axis " + n.i("axis", 1) + " (only 1)");
                return new Value<>(x.spatial() ? l.flatten(x.act()) : x.act(), false);
            }
            case "Reshape" -> {
                return reshape(l, n, value(n, values, 0));
            }
            case "Identity", "Dropout", "Softmax" -> {
                return value(n, values, 0);
            }
            default -> throw unsupported(n, "operator " + n.opType());
        }
    }

    /**
     * Add, Sub, Mul, Div with ONNX broadcasting. With a constant operand the constant is folded into a sum or a
     * product (x − c = x + (−c), x / c = x · (1/c), c − x = −x + c); of two activations, Add and Mul are computed
     * directly and Sub as a + (−1)·b; Div of two activations is refused.
     */
    private <T> Value<T> arithmetic(Layers<T> l, OnnxModel.Node n, Map<String, Value<T>> values) {
        String op = n.opType();
        boolean product = op.equals("Mul") || op.equals("Div");
        OnnxModel.Initializer c0 = constants.get(n.inputs().get(0)), c1 = constants.get(n.inputs().get(1));
        if (c0 != null || c1 != null) {
            if (c0 != null && c1 != null) throw unsupported(n, op + " of two constants");
            Value<T> x = value(n, values, c0 == null ? 0 : 1);
            OnnxModel.Initializer c = c0 == null ? c1 : c0;
            if (c.floats() == null) throw unsupported(n, op + " with a non-float constant");
            if (op.equals("Div") && c0 != null) throw unsupported(n, "Div of a constant by an activation");
            float[] k = c.floats().clone();
            for (int i = 0; i < k.length; i++) {
                if (op.equals("Div")) k[i] = 1f / k[i];
                else if (op.equals("Sub") && c1 != null) k[i] = -k[i];
            }
            Layers.Act<T> a = x.act();
            if (op.equals("Sub") && c0 != null) a = l.withConstant(a, new float[]{-1f}, new long[0], true);
            return new Value<>(l.withConstant(a, k, c.dims(), product), x.spatial());
        }
        Value<T> a = value(n, values, 0), b = value(n, values, 1);
        if (a.spatial() != b.spatial()) throw unsupported(n, op + " of a 4-D and a 2-D activation");
        if (op.equals("Div")) throw unsupported(n, "Div of two activations");
        if (op.equals("Mul")) return new Value<>(l.mul(a.act(), b.act()), a.spatial());
        Layers.Act<T> rhs = op.equals("Sub") ? l.withConstant(b.act(), new float[]{-1f}, new long[0], true) : b.act();
        boolean same = a.act().c() == rhs.c() && a.act().h() == rhs.h() && a.act().w() == rhs.w();
        return new Value<>(same ? l.add(a.act(), rhs) : l.addBroadcast(a.act(), rhs), a.spatial());
    }

    private <T> Value<T> reshape(Layers<T> l, OnnxModel.Node n, Value<T> x) {
        long[] shape = longs(n, 1).clone();
        long size = x.act().size();
        if (shape.length != 2 && shape.length != 4) throw unsupported(n, "Reshape to rank " + shape.length);
        if (shape[0] != 0 && shape[0] != -1) {
            throw unsupported(n, "Reshape to a fixed batch size " + shape[0] + " (export with a dynamic batch axis)");
        }
        int inferred = -1;
        long known = 1;
        long[] current = x.spatial() ? new long[]{-1, x.act().c(), x.act().h(), x.act().w()} : new long[]{-1, x.act().c()};
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] == 0) shape[i] = i < current.length ? current[i] : 0;
            if (shape[i] == -1) {
                if (inferred >= 0) throw unsupported(n, "Reshape with two -1 dimensions");
                inferred = i;
            } else {
                known *= shape[i];
            }
        }
        if (inferred >= 0 && known > 0) shape[inferred] = size / known;
        long total = 1;
        for (int i = 1; i < shape.length; i++) total *= shape[i];
        if (total != size) throw unsupported(n, "Reshape of " + size + " values per image to " + Arrays.toString(shape));
        if (shape.length == 2) return new Value<>(x.spatial() ? l.flatten(x.act()) : x.act(), false);
        return new Value<>(l.reshape(x.act(), (int) shape[1], (int) shape[2], (int) shape[3]), true);
    }

    /**
     * The node's window with explicit padding: ONNX pads [top, left, bottom, right], or {@code auto_pad}; with
     * {@code ceil_mode} the last partial window is made explicit as extra padding at the bottom and right (exact
     * for max pooling, whose padding never wins; average pooling accepts it only when it changes nothing).
     */
    static Layers.Window window(OnnxModel.Node n, int h, int w, int kh, int kw, int groups, boolean maxPool) {
        long[] s = n.ints("strides", new long[]{1, 1}), d = n.ints("dilations", new long[]{1, 1});
        long[] p = n.ints("pads", new long[]{0, 0, 0, 0});
        if (s.length != 2 || d.length != 2 || p.length != 4) throw unsupported(n, "a window that is not 2-D");
        int[] pads = {(int) p[0], (int) p[1], (int) p[2], (int) p[3]};
        String autoPad = n.s("auto_pad", "NOTSET");
        int[] in = {h, w}, k = {kh, kw};
        for (int a = 0; a < 2; a++) {
            int span = (int) d[a] * (k[a] - 1) + 1;
            switch (autoPad) {
                case "NOTSET" -> { }
                case "VALID" -> pads[a] = pads[a + 2] = 0;
                case "SAME_UPPER", "SAME_LOWER" -> {
                    int outSize = (int) Math.ceil(in[a] / (double) s[a]);
                    int total = Math.max(0, (outSize - 1) * (int) s[a] + span - in[a]);
                    int small = total / 2, big = total - small;
                    pads[a] = autoPad.equals("SAME_UPPER") ? small : big;
                    pads[a + 2] = autoPad.equals("SAME_UPPER") ? big : small;
                }
                default -> throw unsupported(n, "auto_pad " + autoPad);
            }
            if (n.i("ceil_mode", 0) != 0) {
                int padded = in[a] + pads[a] + pads[a + 2];
                int floorOut = (padded - span) / (int) s[a] + 1;
                int ceilOut = (int) Math.ceil((padded - span) / (double) s[a]) + 1;
                if ((ceilOut - 1) * s[a] >= in[a] + pads[a]) ceilOut--; // the last window must start inside
                if (ceilOut > floorOut) {
                    if (!maxPool) throw unsupported(n, "average pooling whose ceil_mode adds a partial window");
                    pads[a + 2] += (ceilOut - 1) * (int) s[a] + span - padded;
                }
            }
        }
        return new Layers.Window(kh, kw, (int) s[0], (int) s[1], pads[0], pads[1], pads[2], pads[3],
                (int) d[0], (int) d[1], groups);
    }

    private <T> Value<T> value(OnnxModel.Node n, Map<String, Value<T>> values, int i) {
        Value<T> v = values.get(n.inputs().get(i));
        if (v == null) {
            throw unsupported(n, "input '" + n.inputs().get(i) + "' that is " + (constants.containsKey(n.inputs().get(i))
                    ? "a constant where an activation is expected" : "not computed by an earlier node"));
        }
        return v;
    }

    private <T> Value<T> spatial(OnnxModel.Node n, Map<String, Value<T>> values, int i) {
        Value<T> v = value(n, values, i);
        if (!v.spatial()) throw unsupported(n, n.opType() + " on a 2-D activation");
        return v;
    }

    private String optionalInput(OnnxModel.Node n, int i) {
        return i < n.inputs().size() && !n.inputs().get(i).isEmpty() ? n.inputs().get(i) : null;
    }

    /** Input {@code i} of {@code n} as a constant; recorded as converted, since it is read to make a parameter. */
    private OnnxModel.Initializer parameter(OnnxModel.Node n, int i, String role) {
        OnnxModel.Initializer c = constant(n, i, role);
        converted.add(n.inputs().get(i));
        return c;
    }

    private OnnxModel.Initializer constant(OnnxModel.Node n, int i, String role) {
        OnnxModel.Initializer c = i < n.inputs().size() ? constants.get(n.inputs().get(i)) : null;
        if (c == null) {
            throw unsupported(n, n.opType() + " whose " + role + " is not a constant (the import needs the weights "
                    + "as initializers)");
        }
        if (c.floats() == null && c.longs() == null) throw unsupported(n, role + " of ONNX data type " + c.dataType());
        return c;
    }

    private double scalar(OnnxModel.Node n, int i) {
        OnnxModel.Initializer c = constant(n, i, "input " + i);
        if (c.floats() != null && c.floats().length == 1) return c.floats()[0];
        if (c.longs() != null && c.longs().length == 1) return c.longs()[0];
        throw unsupported(n, "input " + i + " of shape " + dims(c.dims()) + " where a scalar is expected");
    }

    private long[] longs(OnnxModel.Node n, int i) {
        OnnxModel.Initializer c = constant(n, i, "input " + i);
        if (c.longs() == null) throw unsupported(n, "input " + i + " that is not an integer tensor");
        return c.longs();
    }

    /** The layer name from the weight initializer ({@code features.0.weight} → {@code features.0}), else the node. */
    private String layerName(OnnxModel.Node n, int weightInput, Set<String> used) {
        String w = n.inputs().size() > weightInput ? n.inputs().get(weightInput) : "";
        String module = modulePath(n.name());
        String base = w.endsWith(".weight") ? w.substring(0, w.length() - ".weight".length())
                : !module.isEmpty() ? module : !n.name().isEmpty() ? n.name() : n.outputs().get(0);
        base = base.replaceAll("[^A-Za-z0-9_.]", "_").replaceAll("^[_.]+", "");
        if (base.isEmpty()) base = n.opType().toLowerCase();
        String unique = base;
        for (int k = 2; !used.add(unique); k++) unique = base + "_" + k;
        return unique;
    }

    /**
     * Records a spatial activation as the output of every module whose scope holds its node ({@code layer4},
     * {@code layer4.1}, …; a module's output is its last node's), so that class activation maps and probes address
     * blocks by their PyTorch names.
     */
    private static <T> void nameModules(Layers<T> l, OnnxModel.Node n, Layers.Act<T> a) {
        String path = modulePath(n.name());
        if (path.isEmpty()) return;
        for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) l.nameOutput(path.substring(0, dot), a);
        l.nameOutput(path, a);
    }

    /**
     * The PyTorch module path of a node torch.onnx named by its scope ({@code /encoder/layers/encoder_layer_3/Add_1}
     * → {@code encoder.layers.encoder_layer_3}; a segment that repeats its parent's name, as Sequential children do
     * — {@code /features/features.1/features.1.0/attn/Shape} — replaces it: {@code features.1.0.attn}); empty for an
     * unscoped name.
     */
    static String modulePath(String nodeName) {
        if (!nodeName.startsWith("/")) return "";
        String[] seg = nodeName.substring(1).split("/");
        String path = "", last = "";
        for (int i = 0; i < seg.length - 1; i++) {
            String s = seg[i];
            if (!last.isEmpty() && s.startsWith(last + ".")) path = path.substring(0, path.length() - last.length()) + s;
            else path = path.isEmpty() ? s : path + "." + s;
            last = s;
        }
        return path;
    }

    /** YXIO shape of an OIHW kernel: [kH, kW, I/g, O], or [kH, kW, C, O/C] for a depthwise one (I/g = 1). */
    private static long[] yxioShape(OnnxModel.Initializer w, int groups) {
        long o = w.dims()[0], i = w.dims()[1], kh = w.dims()[2], kw = w.dims()[3];
        return groups > 1 && i == 1 ? new long[]{kh, kw, groups, o / groups} : new long[]{kh, kw, i, o};
    }

    /** OIHW → YXIO; a depthwise kernel [C·m, 1, kH, kW] lands in [kH, kW, C, m] with the same memory order. */
    private static float[] oihwToYxio(OnnxModel.Initializer w) {
        int o = (int) w.dims()[0], i = (int) w.dims()[1], kh = (int) w.dims()[2], kw = (int) w.dims()[3];
        float[] src = w.floats(), dst = new float[src.length];
        for (int a = 0; a < o; a++) {
            for (int b = 0; b < i; b++) {
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        dst[((y * kw + x) * i + b) * o + a] = src[((a * i + b) * kh + y) * kw + x];
                    }
                }
            }
        }
        return dst;
    }

    /** A weight matrix as [in, out]: B itself, or Bᵀ when {@code transposed}; times α. */
    private static Tensor matrix(String name, OnnxModel.Initializer b, boolean transposed, float alpha) {
        int r = (int) b.dims()[0], c = (int) b.dims()[1];
        float[] src = b.floats(), dst = new float[src.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) dst[transposed ? j * r + i : i * c + j] = src[i * c + j] * alpha;
        }
        return new Tensor(name, transposed ? new long[]{c, r} : new long[]{r, c}, dst, true);
    }

    private static Tensor vector(String name, OnnxModel.Initializer v, boolean trainable, float scale) {
        float[] data = v.floats().clone();
        for (int i = 0; i < data.length; i++) data[i] *= scale;
        return new Tensor(name, new long[]{data.length}, data, trainable);
    }

    static IllegalArgumentException unsupported(OnnxModel.Node n, String what) {
        return new IllegalArgumentException("node '" + (n.name().isEmpty() ? n.outputs().get(0) : n.name()) + "' ("
                + n.opType() + ") uses " + what);
    }

    private static String names(List<OnnxModel.ValueInfo> v) {
        return v.stream().map(OnnxModel.ValueInfo::name).toList().toString();
    }

    private static String dims(long[] d) {
        return Arrays.toString(d).replace("-1", "?");
    }

    private static String dims(int[] d) {
        return d[0] + "×" + d[1] + "×" + d[2];
    }
}
