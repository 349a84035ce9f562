package io.noiselens.model;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MaxBp;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.LeakyReLUBp;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link Layers} of an architecture built into a SameDiff graph, with each graph variable bound to the model's
 * parameter view ({@link #assign}), and the input gradient written into the same graph as forward ops
 * ({@link Backprop}): a convolution followed by BatchNorm is one convolution with folded weights (DL4J's BatchNorm
 * backprop is wrong in inference mode, DESIGN.md §8), and dilated kernels are spread over their footprint (M2.1's
 * oneDNN convolution cannot run dilated kernels).
 */
public final class SameDiffLayers extends Layers<SDVariable> {
    private final Backprop backprop;
    private final SameDiff sd;
    private final DataType dataType;
    private final List<Binding> bindings = new ArrayList<>();

    /**
     * @param params   the parameter view to bind (may be partial or empty when {@code initSeed} is set)
     * @param initSeed seed for creating missing parameters, or null to require every parameter
     * @param allowBatchNorm false for training graphs, which cannot fold BatchNorm
     */
    public SameDiffLayers(SameDiff sd, DataType dataType, Map<String, Tensor> params, Long initSeed, boolean allowBatchNorm) {
        super(params, initSeed, allowBatchNorm);
        this.sd = sd;
        this.dataType = dataType;
        this.backprop = new Backprop(sd);
    }

    /**
     * ∂/∂input of Σ seed ⊙ {@code at} for frozen weights, built into the graph as forward ops ({@link Backprop}):
     * the input gradient without any parameter gradient.
     */
    public SDVariable inputGradient(Act<SDVariable> input, Act<SDVariable> at, SDVariable seed) {
        return backprop.gradient(input.v(), at.v(), seed);
    }

    /** ∂/∂{@code layer} of Σ seed ⊙ {@code at}: the same reverse pass, stopped at the layer's activation. */
    public SDVariable gradientAt(Act<SDVariable> layer, Act<SDVariable> at, SDVariable seed) {
        return backprop.gradientAt(layer.v(), at.v(), seed);
    }

    @Override
    public SameDiffLayers softplus(double beta) {
        super.softplus(beta);
        return this;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public Act<SDVariable> input(String name, int c, int h, int w) {
        SDVariable in = sd.placeHolder(name, dataType, -1, c, h, w);
        inputVar = in;
        return track(new Act<>(in, c, h, w), null);
    }

    @Override
    public Act<SDVariable> conv(String name, Act<SDVariable> x, int cout, Window g, boolean bias, boolean batchNorm,
                                double bnEps, boolean residualEnd) {
        ConvParams p = convParams(name, x, cout, g, bias, batchNorm, bnEps, residualEnd);
        boolean depthwise = p.depthwise();
        long[] wShape = p.weightShape();
        Binding wb = p.weight(), bb = p.bias();
        boolean dilated = g.dh() > 1 || g.dw() > 1;
        long[] kShape = wShape;
        if (dilated) {
            wb = new Dilated(name + ".weight.dilated", wb, wShape, g.dh(), g.dw());
            kShape = new long[]{(g.kh() - 1) * g.dh() + 1, (g.kw() - 1) * g.dw() + 1, wShape[2], wShape[3]};
        }
        SDVariable wv = variable(wb, kShape);
        SDVariable bv = bb == null ? null : variable(bb, new long[]{cout});
        Window cg = dilated ? new Window((int) kShape[0], (int) kShape[1], g.sh(), g.sw(), g.padTop(), g.padLeft(),
                g.padBottom(), g.padRight(), 1, 1, g.groups()) : g;
        // Asymmetric padding (TF "same") as an explicit zero pad before a valid convolution.
        boolean padded = !cg.symmetric();
        Window padding = cg;
        if (padded) cg = cg.unpadded();
        Conv2DConfig cfg = Conv2DConfig.builder().kH(cg.kh()).kW(cg.kw()).sH(cg.sh()).sW(cg.sw())
                .pH(cg.padTop()).pW(cg.padLeft()).dH(cg.dh()).dW(cg.dw())
                .paddingMode(PaddingMode.VALID).dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO).build();
        int outH = g.outH(x.h()), outW = g.outW(x.w());
        int ci = x.c() / g.groups(), co = cout / g.groups();
        java.util.function.UnaryOperator<SDVariable> pad = v -> padded ? padAxis(padAxis(v, 2, x.h(), padding.padTop(),
                padding.padBottom(), false), 3, x.w(), padding.padLeft(), padding.padRight(), false) : v;
        // The layer's own input is padded once, for the convolution and (depthwise) its reverse rule alike.
        SDVariable paddedX = pad.apply(x.v());
        LinearOp<SDVariable> op = (input, kernel, b) -> {
            SDVariable v = input == x.v() ? paddedX : pad.apply(input);
            if (g.groups() == 1) return b == null ? sd.cnn().conv2d(v, kernel, cfg) : sd.cnn().conv2d(v, kernel, b, cfg);
            if (depthwise) return b == null ? sd.cnn().depthWiseConv2d(v, kernel, cfg) : sd.cnn().depthWiseConv2d(v, kernel, b, cfg);
            // Grouped convolution: each group's input channels against its slice of the output channels.
            SDVariable[] parts = new SDVariable[g.groups()];
            for (int k = 0; k < g.groups(); k++) {
                SDVariable xi = v.get(Backprop.channels(4, k * ci, (k + 1) * ci));
                SDVariable kk = groupKernel(kernel, k, co);
                parts[k] = b == null ? sd.cnn().conv2d(xi, kk, cfg) : sd.cnn().conv2d(xi, kk, b.get(SDIndex.interval(k * co, (k + 1) * co)), cfg);
            }
            return sd.concat(1, parts);
        };
        SDVariable out = linearOutput(name, x, wv, bv, op, false);
        // The reverse rule of the hand-written input-only pass (graphs built with relevance rules use autodiff):
        // ∂/∂(padded input) from ∂/∂out, then the padding cut off.
        int inH = x.h() + (padded ? padding.padTop() + padding.padBottom() : 0);
        int inW = x.w() + (padded ? padding.padLeft() + padding.padRight() : 0);
        Window kg = cg;
        Backprop.Rule rule = (go, bp) -> {
            SDVariable gin;
            if (g.groups() == 1) {
                gin = bp.convInput(go, wv, kg, inH, inW, outH, outW);
            } else if (depthwise) {
                gin = bp.depthwiseInput(paddedX, wv, go, cfg);
            } else {
                SDVariable[] gi = new SDVariable[g.groups()];
                for (int k = 0; k < gi.length; k++) {
                    gi[k] = bp.convInput(go.get(Backprop.channels(4, k * co, (k + 1) * co)), groupKernel(wv, k, co), kg,
                            inH, inW, outH, outW);
                }
                gin = sd.concat(1, gi);
            }
            if (padded) {
                gin = bp.unpad(bp.unpad(gin, 3, x.w(), padding.padLeft(), padding.padRight(), false), 2, x.h(),
                        padding.padTop(), padding.padBottom(), false);
            }
            bp.add(x.v(), gin);
        };
        return named(name, track(new Act<>(out, cout, outH, outW), rule));
    }

    /** Output channels [k·co, (k + 1)·co) of a YXIO kernel: group k's kernel. */
    private static SDVariable groupKernel(SDVariable kernel, int k, int co) {
        return kernel.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(k * co, (k + 1) * co));
    }

    @Override
    protected SDVariable stopGradient(SDVariable x) {
        return new org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient(sd, x).outputVariable();
    }

    @Override
    public Act<SDVariable> batchNorm(String name, Act<SDVariable> x, boolean spatial, double eps) {
        int c = x.c();
        Binding[] affine = batchNormParams(name, c, eps);
        long[] shape = spatial ? new long[]{1, c, 1, 1} : new long[]{1, c};
        SDVariable scale = variable(affine[0], shape);
        SDVariable shift = variable(affine[1], shape);
        return named(name, track(x.like(x.v().mul(scale).add(shift)), (go, bp) -> bp.add(x.v(), go.mul(scale))));
    }

    protected Act<SDVariable> reluOp(Act<SDVariable> x) {
        if (softplusBeta > 0) {
            // softplus_β(x) = log(1 + exp(βx)) / β, a smooth ReLU whose second derivatives do not vanish, in the
            // overflow-free form max(z, 0) + log(1 + exp(−|z|)) with z = βx (SameDiff's softplus overflows).
            SDVariable z = x.v().mul(softplusBeta);
            SDVariable sp = sd.nn().relu(z, 0.0).add(sd.math().log(sd.math().exp(sd.math().abs(z).neg()).add(1.0)))
                    .div(softplusBeta);
            return track(x.like(sp), (go, bp) -> bp.add(x.v(), go.mul(sd.nn().sigmoid(z))));
        }
        // ∂relu: g ⊙ step(x) (1 where x > 0): libnd4j's step and multiply take a fifth of thresholdedrelu_bp's time.
        return track(x.like(sd.nn().relu(x.v(), 0.0)), (go, bp) -> bp.add(x.v(), go.mul(sd.math().step(x.v(), 0.0))));
    }

    /**
     * Max pooling over any {@link Window} with PyTorch's semantics, where padded cells never win. Symmetric padding
     * is libnd4j's own, whose windows are clipped to the real cells; asymmetric padding (ceil mode, SAME_*) is made
     * explicit by repeating the edge rows and columns, which changes no maximum (every window holds at least one
     * real cell next to its padding) and sends the gradient to the same cell.
     */
    public Act<SDVariable> maxPool(Act<SDVariable> x, Window g) {
        boolean explicit = g.padded() && !g.symmetric();
        SDVariable in = explicit ? pad(x, g, true).v() : x.v();
        Window pg = explicit ? g.unpadded() : g;
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(g.kh()).kW(g.kw()).sH(g.sh()).sW(g.sw())
                .pH(pg.padTop()).pW(pg.padLeft())
                .dH(g.dh()).dW(g.dw()).paddingMode(PaddingMode.VALID).type(Pooling2D.Pooling2DType.MAX)
                .isNHWC(false).build();
        return track(new Act<>(sd.cnn().maxPooling2d(in, cfg), x.c(), g.outH(x.h()), g.outW(x.w())),
                (go, bp) -> bp.add(in, bp.poolInput(in, go, cfg)));
    }

    /**
     * Average pooling over any {@link Window}; {@code countPadding} says whether padded (zero) cells count in the
     * divisor (PyTorch's {@code count_include_pad}, ONNX's attribute of that name).
     */
    public Act<SDVariable> avgPool(Act<SDVariable> x, Window g, boolean countPadding) {
        SDVariable padded = x.v();
        Window pg = g;
        if (!g.symmetric() || (countPadding && g.padded())) {
            if (!countPadding) {
                throw new IllegalArgumentException("Average pooling with asymmetric padding that is not counted in "
                        + "the divisor is not supported: " + g);
            }
            padded = pad(x, g, false).v();
            pg = g.unpadded();
        }
        SDVariable in = padded;
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(pg.kh()).kW(pg.kw()).sH(pg.sh()).sW(pg.sw())
                .pH(pg.padTop()).pW(pg.padLeft()).dH(pg.dh()).dW(pg.dw()).paddingMode(PaddingMode.VALID)
                .type(Pooling2D.Pooling2DType.AVG).divisor(Pooling2D.Divisor.EXCLUDE_PADDING).isNHWC(false).build();
        return track(new Act<>(sd.cnn().avgPooling2d(in, cfg), x.c(), g.outH(x.h()), g.outW(x.w())),
                (go, bp) -> bp.add(in, bp.poolInput(in, go, cfg)));
    }

    /**
     * The activation with {@code g}'s padding made explicit: zeros, or copies of the edge rows and columns
     * ({@code edge}). Built from slices and concatenations, whose gradients SameDiff has.
     */
    public Act<SDVariable> pad(Act<SDVariable> x, Window g, boolean edge) {
        SDVariable v = padAxis(x.v(), 2, x.h(), g.padTop(), g.padBottom(), edge);
        v = padAxis(v, 3, x.w(), g.padLeft(), g.padRight(), edge);
        return track(new Act<>(v, x.c(), x.h() + g.padTop() + g.padBottom(), x.w() + g.padLeft() + g.padRight()),
                (go, bp) -> bp.add(x.v(), bp.unpad(bp.unpad(go, 3, x.w(), g.padLeft(), g.padRight(), edge),
                        2, x.h(), g.padTop(), g.padBottom(), edge)));
    }

    private SDVariable padAxis(SDVariable v, int axis, int size, int before, int after, boolean edge) {
        if (before == 0 && after == 0) return v;
        List<SDVariable> parts = new ArrayList<>();
        SDVariable first = slice(v, axis, 0), last = slice(v, axis, size - 1);
        if (!edge) {
            first = first.mul(0.0);
            last = first;
        }
        for (int i = 0; i < before; i++) parts.add(first);
        parts.add(v);
        for (int i = 0; i < after; i++) parts.add(last);
        return sd.concat(axis, parts.toArray(new SDVariable[0]));
    }

    private static SDVariable slice(SDVariable v, int axis, int index) {
        return v.get(Backprop.range(4, axis, index, index + 1));
    }

    protected Act<SDVariable> leakyReluOp(Act<SDVariable> x, double alpha) {
        return track(x.like(sd.nn().leakyRelu(x.v(), alpha)),
                (go, bp) -> bp.add(x.v(), new LeakyReLUBp(sd, x.v(), go, alpha).outputVariable()));
    }

    protected Act<SDVariable> sigmoidOp(Act<SDVariable> x) {
        SDVariable y = sd.nn().sigmoid(x.v());
        return track(x.like(y), (go, bp) -> bp.add(x.v(), go.mul(y.mul(y.rsub(1.0)))));
    }

    /** min(max(x, lo), hi); ReLU6 when lo = 0 and hi = 6. */
    protected Act<SDVariable> clipOp(Act<SDVariable> x, double lo, double hi) {
        SDVariable v = lo == 0 && hi == 6 ? sd.nn().relu6(x.v(), 0.0) : sd.math().clipByValue(x.v(), lo, hi);
        return track(x.like(v), (go, bp) -> bp.add(x.v(), go.mul(inside(x.v(), lo, hi))));
    }

    /** max(0, min(1, αx + β)). */
    protected Act<SDVariable> hardSigmoidOp(Act<SDVariable> x, double alpha, double beta) {
        SDVariable z = x.v().mul(alpha).add(beta);
        return track(x.like(sd.math().clipByValue(z, 0.0, 1.0)),
                (go, bp) -> bp.add(x.v(), go.mul(inside(z, 0.0, 1.0)).mul(alpha)));
    }

    /** Element-wise product with broadcasting (e.g. squeeze-and-excitation's [n, C, 1, 1] gates). */
    public Act<SDVariable> mul(Act<SDVariable> a, Act<SDVariable> b) {
        Act<SDVariable> out = broadcast(a.v().mul(b.v()), a, b);
        return track(out, (go, bp) -> {
            bp.add(a.v(), bp.reduceTo(go.mul(b.v()), a, out));
            bp.add(b.v(), bp.reduceTo(go.mul(a.v()), b, out));
        });
    }

    /** 1 where lo &lt; v &lt; hi, else 0: where a clip passes the gradient (SameDiff's ClipByValue rule). */
    private SDVariable inside(SDVariable v, double lo, double hi) {
        return sd.gt(v, lo).castTo(dataType).mul(sd.lt(v, hi).castTo(dataType));
    }

    private static Act<SDVariable> broadcast(SDVariable v, Act<SDVariable> a, Act<SDVariable> b) {
        return new Act<>(v, Math.max(a.c(), b.c()), Math.max(a.h(), b.h()), Math.max(a.w(), b.w()),
                Math.max(a.rank(), b.rank()));
    }

    /** The activation combined with a constant that is not a model parameter (ONNX constants in Add/Mul). */
    public Act<SDVariable> withConstant(Act<SDVariable> x, float[] value, long[] shape, boolean multiply) {
        org.nd4j.linalg.api.ndarray.INDArray arr = shape.length == 0 ? Nd4j.scalar(value[0])
                : Nd4j.createFromArray(value).reshape(shape);
        SDVariable c = sd.constant(arr.castTo(dataType));
        Act<SDVariable> out = x.like(multiply ? x.v().mul(c) : x.v().add(c));
        return track(out, (go, bp) -> bp.add(x.v(), multiply ? bp.reduceTo(go.mul(c), x, out) : go));
    }

    /** Concatenation along the channel axis. */
    public Act<SDVariable> concat(List<Act<SDVariable>> parts) {
        int c = 0;
        Act<SDVariable> first = parts.get(0);
        SDVariable[] vs = new SDVariable[parts.size()];
        for (int i = 0; i < vs.length; i++) {
            Act<SDVariable> a = parts.get(i);
            if (a.h() != first.h() || a.w() != first.w()) {
                throw new IllegalStateException("Concatenated shapes differ: " + a + " vs " + first);
            }
            c += a.c();
            vs[i] = a.v();
        }
        return track(new Act<>(sd.concat(1, vs), c, first.h(), first.w(), first.rank()), (go, bp) -> {
            int from = 0;
            for (Act<SDVariable> a : parts) {
                bp.add(a.v(), go.get(Backprop.channels(a.rank(), from, from + a.c())));
                from += a.c();
            }
        });
    }

    /** Reshapes to [n, c, h, w] (row-major), keeping the batch axis. */
    public Act<SDVariable> reshape(Act<SDVariable> x, int c, int h, int w) {
        if ((long) c * h * w != x.size()) {
            throw new IllegalStateException("Cannot reshape " + x + " to " + c + "×" + h + "×" + w);
        }
        return track(new Act<>(x.v().reshape(-1, c, h, w), c, h, w), (go, bp) -> bp.add(x.v(), sd.reshape(go, x.v().shape())));
    }

    public Act<SDVariable> add(Act<SDVariable> a, Act<SDVariable> b) {
        if (a.c() != b.c() || a.h() != b.h() || a.w() != b.w()) {
            throw new IllegalStateException("Residual shapes differ: " + a + " vs " + b);
        }
        return track(a.like(a.v().add(b.v())), (go, bp) -> {
            bp.add(a.v(), go);
            bp.add(b.v(), go);
        });
    }

    /** Element-wise sum with broadcasting (ONNX's Add of two activations of different shapes). */
    public Act<SDVariable> addBroadcast(Act<SDVariable> a, Act<SDVariable> b) {
        Act<SDVariable> out = broadcast(a.v().add(b.v()), a, b);
        return track(out, (go, bp) -> {
            bp.add(a.v(), bp.reduceTo(go, a, out));
            bp.add(b.v(), bp.reduceTo(go, b, out));
        });
    }

    /** Global average pooling to [n, C]. */
    public Act<SDVariable> globalAvgPool(Act<SDVariable> x) {
        return track(Act.flat(x.v().mean(2, 3), x.c()), (go, bp) -> bp.add(x.v(), spreadMean(go, x)));
    }

    /** Global average pooling to [n, C, 1, 1] (ONNX's GlobalAveragePool keeps the spatial axes). */
    public Act<SDVariable> globalAvgPoolKeepDims(Act<SDVariable> x) {
        return track(new Act<>(x.v().mean(true, 2, 3), x.c(), 1, 1),
                (go, bp) -> bp.add(x.v(), spreadMean(go.reshape(-1, x.c()), x)));
    }

    /** Flattens [n, C, H, W] to [n, C·H·W] in row-major order. */
    public Act<SDVariable> flatten(Act<SDVariable> x) {
        return track(Act.flat(x.v().reshape(-1, x.size()), (int) x.size()),
                (go, bp) -> bp.add(x.v(), sd.reshape(go, x.v().shape())));
    }

    /** Global max pooling to [n, C]: a feature's strongest response anywhere in the image. */
    public Act<SDVariable> globalMaxPool(Act<SDVariable> x) {
        return track(Act.flat(x.v().max(2, 3), x.c()),
                (go, bp) -> bp.add(x.v(), new MaxBp(sd, x.v(), go, false, 2, 3).outputVariable()));
    }

    /** Fully connected layer with weights [in, out] and, when {@code bias}, a bias [out]. */
    public Act<SDVariable> dense(String name, Act<SDVariable> x, int out, boolean bias) {
        Tensor[] p = denseParams(name, (int) x.size(), out, bias);
        SDVariable wv = variable(new Direct(p[0].name(), p[0].name()), p[0].shape());
        SDVariable bv = p[1] == null ? null : variable(new Direct(p[1].name(), p[1].name()), p[1].shape());
        SDVariable y = linearOutput(name, x, wv, bv, (input, kernel, b) -> b == null ? input.mmul(kernel)
                : input.mmul(kernel).add(b), true);
        return named(name, track(Act.flat(y, out), (go, bp) -> bp.add(x.v(), sd.mmul(go, wv, false, true, false))));
    }


    /** Sets every graph variable from {@code w}, folding BatchNorm where the architecture has it. */
    public void assign(ModelWeights w) {
        for (Binding b : bindings) {
            float[] value = value(w, b);
            org.nd4j.linalg.api.ndarray.INDArray target = sd.getVariable(b.graphName()).getArr();
            if (target.length() != value.length) {
                throw new IllegalArgumentException("Parameter for '" + b.graphName() + "' has " + value.length
                        + " values, the graph expects " + target.length());
            }
            if (dataType == DataType.FLOAT && !target.isView() && target.ordering() == 'c') {
                // One bulk copy straight into the graph's native buffer (DataBuffer.setData copies element by element).
                ((org.bytedeco.javacpp.FloatPointer) target.data().pointer()).put(value, 0, value.length);
            } else {
                org.nd4j.linalg.api.ndarray.INDArray src = NativeArrays.of(value, target.shape());
                org.nd4j.linalg.api.ndarray.INDArray cast = src.castTo(dataType);
                target.assign(cast);
                NativeArrays.close(src, cast);
            }
        }
    }

    /** The current values of the graph's parameters as a parameter view (for graphs without BatchNorm). */
    public ModelWeights read() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : params().values()) {
            float[] v = sd.getVariable(t.name()).getArr().castTo(DataType.FLOAT).reshape(t.size()).toFloatVector();
            out.add(t.withData(v));
        }
        return new ModelWeights(out);
    }

    public List<Binding> bindings() {
        return Collections.unmodifiableList(bindings);
    }

    // ---- General tensors (transformer-era ONNX graphs). These have no hand-written reverse step: a classifier of
    // such a graph takes its input gradients from SameDiff's autodiff (SameDiffClassifier picks it). Shapes that
    // carry the batch are resolved against the input placeholder's dynamic batch size.

    private static UnsupportedOperationException notYet(String op) {
        return new UnsupportedOperationException("The ND4J engine does not run " + op + " yet; run this model with "
                + "engine.backend = torch");
    }

    private final Map<String, SDVariable> tensors = new java.util.HashMap<>();
    /** Scalar constants by variable name (Pow by a constant exponent uses SameDiff's scalar power). */
    private final Map<String, Double> scalars = new java.util.HashMap<>();
    private SDVariable inputVar;

    @Override
    public SDVariable constant(String name, float[] values, long[] shape) {
        SDVariable c = sd.constant(Nd4j.create(values, shape.length == 0 ? new long[0] : shape, 'c').castTo(dataType));
        if (values.length == 1) scalars.put(c.name(), (double) values[0]);
        return c;
    }

    @Override
    public SDVariable tensor(String param) {
        Tensor t = params().get(param);
        if (t == null) throw new IllegalArgumentException("The weights have no parameter '" + param + "'");
        return tensors.computeIfAbsent(param, k -> variable(new Direct(graphName(param), param), t.shape()));
    }

    /** A SameDiff-safe variable name for an ONNX initializer name (which may contain ':' or '/'). */
    private static String graphName(String param) {
        return "t_" + param.replaceAll("[^A-Za-z0-9_.]", "_");
    }

    @Override
    public SDVariable linear(String name, SDVariable x, Dims to, int in, int out, boolean bias, long perImage) {
        Tensor[] p = denseParams(name, in, out, bias);
        SDVariable w = variable(new Direct(p[0].name(), p[0].name()), p[0].shape());
        SDVariable y = sd.mmul(sd.reshape(x, -1, in), w);
        if (to.rank() != 2) y = sd.reshape(y, staticShape(to, "MatMul"));
        if (p[1] != null) y = y.add(variable(new Direct(p[1].name(), p[1].name()), p[1].shape()));
        return namedTensor(name, y, perImage);
    }

    @Override
    public SDVariable matmul(SDVariable a, SDVariable b) {
        return sd.mmul(a, b);
    }

    @Override
    public SDVariable binary(Binary op, SDVariable a, SDVariable b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case POW -> {
                Double p = scalars.get(b.name());
                if (p == null) throw notYet("Pow by a tensor exponent");
                yield p == 2 ? a.mul(a) : sd.math().pow(a, p);
            }
        };
    }

    @Override
    public SDVariable unary(Unary op, SDVariable x) {
        return switch (op) {
            case ERF -> sd.math().erf(x);
            case SQRT -> sd.math().sqrt(x);
            case EXP -> sd.math().exp(x);
            case TANH -> sd.math().tanh(x);
            case NEG -> x.neg();
            case ABS -> sd.math().abs(x);
            case RECIPROCAL -> sd.math().reciprocal(x);
            case RELU -> softplusBeta > 0 ? softplusOf(x) : sd.nn().relu(x, 0);
            case SIGMOID -> sd.nn().sigmoid(x);
            case GELU -> x.mul(0.5).mul(sd.math().erf(x.mul(1 / Math.sqrt(2))).add(1));
            case GELU_TANH -> x.mul(0.5).mul(sd.math().tanh(x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));
            case SIGN -> sd.math().sign(x);
        };
    }

    @Override
    public SDVariable softmax(SDVariable x, int axis) {
        return sd.nn().softmax(x, axis);
    }

    @Override
    public SDVariable reduceMean(SDVariable x, int[] axes, boolean keep) {
        return x.mean(keep, axes);
    }

    @Override
    public SDVariable layerNorm(SDVariable x, int rank, int axis, SDVariable gamma, SDVariable beta, double eps) {
        int[] axes = new int[rank - axis];
        for (int i = 0; i < axes.length; i++) axes[i] = axis + i;
        SDVariable d = x.sub(x.mean(true, axes));
        SDVariable y = d.div(sd.math().sqrt(d.mul(d).mean(true, axes).add(eps))).mul(gamma);
        return beta == null ? y : y.add(beta);
    }

    @Override
    public SDVariable transpose(SDVariable x, int[] perm) {
        return sd.permute(x, perm);
    }

    /** {@code to} at this graph's batch: a fixed shape, or one with −1 on its single batch axis. */
    private static long[] staticShape(Dims to, String op) {
        long[] s = to.one().clone();
        int batchAxes = 0;
        for (int i = 0; i < s.length; i++) {
            if (to.batchAxis(i)) {
                s[i] = -1;
                batchAxes++;
            }
        }
        if (batchAxes > 1) throw notYet(op + " to a shape with the batch on two axes (" + to + ")");
        return s;
    }

    @Override
    public SDVariable reshape(SDVariable x, Dims to) {
        return sd.reshape(x, staticShape(to, "Reshape"));
    }

    @Override
    public SDVariable expand(SDVariable x, Dims to) {
        long[] fixed = to.one().clone();
        int batchAxis = -1;
        for (int i = 0; i < fixed.length; i++) {
            if (!to.batchAxis(i)) continue;
            if (batchAxis >= 0 || to.two()[i] != 2 || fixed[i] != 1) throw notYet("Expand to " + to);
            batchAxis = i;
            fixed[i] = 1;
        }
        SDVariable y = java.util.Arrays.equals(x.getShape(), fixed) ? x : x.add(sd.zero(null, dataType, fixed));
        if (batchAxis < 0) return y;
        // Along the batch: add zeros shaped [1, …, n, …, 1] made from the input (their gradient is zero), so the
        // broadcast follows the dynamic batch size (a tile by a dynamic count has no reverse step in M2.1).
        long[] zs = new long[fixed.length];
        java.util.Arrays.fill(zs, 1);
        zs[batchAxis] = -1;
        SDVariable zeros = inputVar.mul(0).sum(false, 1, 2, 3);
        return y.add(sd.reshape(zeros, zs));
    }

    @Override
    public SDVariable gather(SDVariable x, Dims in, int axis, long[] index, long[] indexShape) {
        SDVariable g = gatherAt(x, in, axis, index);
        if (indexShape.length == 1) return g;
        if (indexShape.length == 0) return sd.squeeze(g, axis);
        throw notYet("Gather with a " + indexShape.length + "-D index");
    }

    @Override
    public SDVariable slice(SDVariable x, Dims in, int axis, long start, long end, long step) {
        return gatherAt(x, in, axis, Dims.sliceIndices(in.one()[axis], start, end, step));
    }

    /**
     * Elements {@code index} along {@code axis} of a tensor of {@code in}, as a product with a one-hot selection
     * matrix [d, k] over that axis (moved last and back): M2.1's Gather cannot be differentiated twice in one graph
     * (its reverse step names a variable "transposeConcat" for other axes and builds a loop with a fixed name on
     * axis 0), and its strided slice's reverse step fails on views; a matrix product has a sound reverse step.
     */
    private SDVariable gatherAt(SDVariable x, Dims in, int axis, long[] index) {
        int rank = in.rank(), d = (int) in.one()[axis], k = index.length;
        float[] select = new float[d * k];
        for (int j = 0; j < k; j++) select[(int) index[j] * k + j] = 1;
        SDVariable s = sd.constant(Nd4j.create(select, new long[]{d, k}, 'c').castTo(dataType));
        int[] perm = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) if (i != axis) perm[j++] = i;
        perm[rank - 1] = axis;
        long[] one = new long[rank], two = new long[rank];
        for (int i = 0; i < rank; i++) {
            one[i] = in.one()[perm[i]];
            two[i] = in.two()[perm[i]];
        }
        one[rank - 1] = two[rank - 1] = k;
        SDVariable moved = axis == rank - 1 ? x : sd.permute(x, perm);
        SDVariable y = sd.reshape(sd.mmul(sd.reshape(moved, -1, d), s), staticShape(new Dims(one, two), "Gather"));
        if (axis == rank - 1) return y;
        int[] back = new int[rank];
        for (int i = 0; i < rank; i++) back[perm[i]] = i;
        return sd.permute(y, back);
    }

    @Override
    public SDVariable concat(List<SDVariable> parts, int axis) {
        return sd.concat(axis, parts.toArray(new SDVariable[0]));
    }

    @Override
    public SDVariable pad(SDVariable x, long[] pads, double value) {
        int r = pads.length / 2;
        int[][] p = new int[r][2];
        for (int i = 0; i < r; i++) {
            p[i][0] = (int) pads[i];
            p[i][1] = (int) pads[i + r];
        }
        return sd.nn().pad(x, sd.constant(Nd4j.createFromArray(p)), org.nd4j.enums.PadMode.CONSTANT, value);
    }

    private SDVariable softplusOf(SDVariable x) {
        SDVariable z = x.mul(softplusBeta);
        return sd.nn().relu(z, 0).add(sd.math().log1p(sd.math().exp(sd.math().abs(z).neg()))).div(softplusBeta);
    }

    /** Counts the activation for the memory estimate and records its reverse rule (null for the input). */
    private Act<SDVariable> track(Act<SDVariable> a, Backprop.Rule rule) {
        counted(a);
        if (rule != null) backprop.record(a.v(), rule);
        return a;
    }

    /** ∂/∂x of a spatial mean: the output gradient [n, C] spread evenly over x's H×W cells. */
    private SDVariable spreadMean(SDVariable g, Act<SDVariable> x) {
        return new MeanBp(sd, x.v(), g, false, 2, 3).outputVariable(); // libnd4j's reduce_mean_bp: 7× faster than tile
    }

    /** The graph variable of a binding, made once (DeepLift defines the network twice, on its reference and input). */
    private SDVariable variable(Binding binding, long[] shape) {
        SDVariable existing = sd.hasVariable(binding.graphName()) ? sd.getVariable(binding.graphName()) : null;
        if (existing != null) return existing;
        bindings.add(binding);
        return sd.var(binding.graphName(), Nd4j.zeros(dataType, shape));
    }
}
