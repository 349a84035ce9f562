package io.noiselens.model;

import io.noiselens.random.KeyedRandom;
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
 * Builds an architecture's layers into a SameDiff graph and records how each graph variable is computed from the
 * model's parameter view. A convolution followed by BatchNorm becomes one convolution with folded weights
 * (scale = γ/√(var+ε), shift = β − mean·scale): DL4J's BatchNorm backprop is wrong in inference mode
 * (DESIGN.md §8), and folding is also what inference wants. Missing parameters are created with He
 * initialisation from a keyed stream when an init seed is given, which is how fresh models are made.
 *
 * <p>Layouts: activations NCHW; convolution weights [kH, kW, Cin, Cout] (YXIO, the layout whose backprop works
 * in M2.1); dense weights [in, out].
 */
public final class Layers {
    private final Map<String, Act> outputs = new java.util.LinkedHashMap<>();
    private final Backprop backprop;
    private double softplusBeta;
    /**
     * An activation with its channel count and spatial size (for shape checks and the memory estimate), and its
     * rank: 4 for [n, C, H, W], 2 for [n, C].
     */
    public record Act(SDVariable v, int c, int h, int w, int rank) {
        Act(SDVariable v, int c, int h, int w) {
            this(v, c, h, w, 4);
        }

        static Act flat(SDVariable v, int c) {
            return new Act(v, c, 1, 1, 2);
        }

        Act like(SDVariable v) {
            return new Act(v, c, h, w, rank);
        }

        public long size() {
            return (long) c * h * w;
        }
    }

    /** How one graph variable gets its value from the parameter view. */
    public sealed interface Binding permits Direct, FoldedConv, BatchNormAffine, Dilated {
        String graphName();
    }

    /** The graph variable is the parameter as it is. */
    public record Direct(String graphName, String param) implements Binding {}

    /** Convolution weights or bias folded with the BatchNorm that follows the convolution. */
    public record FoldedConv(String graphName, boolean isBias, String weight, String bias, String gamma,
                             String beta, String mean, String var, double eps) implements Binding {}

    /**
     * The per-channel scale γ/√(σ²+ε) ({@code isShift} false) or shift β − μ·scale (true) of a BatchNorm that does
     * not follow a convolution (DenseNet's BatchNorm after a concatenation), applied as y = x·scale + shift.
     */
    public record BatchNormAffine(String graphName, boolean isShift, String gamma, String beta, String mean,
                                  String var, double eps) implements Binding {}

    /**
     * A convolution kernel of {@code shape} [kH, kW, I, O] (the value of {@code inner}) spread over its dilated
     * footprint with zeros between the taps: SameDiff M2.1's oneDNN convolution cannot run dilated kernels ("could
     * not create a descriptor for a dilated convolution"), and the spread kernel computes the same function.
     */
    public record Dilated(String graphName, Binding inner, long[] shape, int dh, int dw) implements Binding {}

    /**
     * Geometry of a 2-D convolution or pooling window (PyTorch/ONNX semantics): kernel, stride, padding before and
     * after on each axis (zero padding for convolutions), dilation, and groups (1: dense; = input channels:
     * depthwise).
     */
    public record Window(int kh, int kw, int sh, int sw, int padTop, int padLeft, int padBottom, int padRight,
                         int dh, int dw, int groups) {
        public Window {
            if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1 || groups < 1
                    || padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
                throw new IllegalArgumentException("Invalid window " + this);
            }
        }

        /** A square k×k window with stride s and padding p on every side. */
        public static Window square(int k, int s, int p) {
            return new Window(k, k, s, s, p, p, p, p, 1, 1, 1);
        }

        boolean symmetric() {
            return padTop == padBottom && padLeft == padRight;
        }

        boolean padded() {
            return padTop + padLeft + padBottom + padRight > 0;
        }

        int outH(int h) {
            return (h + padTop + padBottom - (dh * (kh - 1) + 1)) / sh + 1;
        }

        int outW(int w) {
            return (w + padLeft + padRight - (dw * (kw - 1) + 1)) / sw + 1;
        }

        Window unpadded() {
            return new Window(kh, kw, sh, sw, 0, 0, 0, 0, dh, dw, groups);
        }
    }

    public static final double BN_EPS = 1e-5;

    private final SameDiff sd;
    private final DataType dataType;
    private final Map<String, Tensor> params;
    private final Long initSeed;
    private final List<Binding> bindings = new ArrayList<>();
    private final boolean allowBatchNorm;
    private long activationFloats;

    /**
     * @param params   the parameter view to bind (may be partial or empty when {@code initSeed} is set)
     * @param initSeed seed for creating missing parameters, or null to require every parameter
     * @param allowBatchNorm false for training graphs, which cannot fold BatchNorm
     */
    public Layers(SameDiff sd, DataType dataType, Map<String, Tensor> params, Long initSeed, boolean allowBatchNorm) {
        this.sd = sd;
        this.dataType = dataType;
        this.params = new LinkedHashMap<>(params);
        this.initSeed = initSeed;
        this.allowBatchNorm = allowBatchNorm;
        this.backprop = new Backprop(sd);
    }

    /**
     * ∂/∂input of Σ seed ⊙ {@code at} for frozen weights, built into the graph as forward ops ({@link Backprop}):
     * the input gradient without any parameter gradient.
     */
    public SDVariable inputGradient(Act input, Act at, SDVariable seed) {
        return backprop.gradient(input.v(), at.v(), seed);
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public Act input(String name, int c, int h, int w) {
        SDVariable in = sd.placeHolder(name, dataType, -1, c, h, w);
        return track(new Act(in, c, h, w), null);
    }

    /** Convolution with square kernel k, stride s, symmetric zero padding p; optionally followed by BatchNorm. */
    public Act conv(String name, Act x, int cout, int k, int s, int p, boolean bias, boolean batchNorm) {
        return conv(name, x, cout, k, s, p, bias, batchNorm, false);
    }

    /**
     * As {@link #conv(String, Act, int, int, int, int, boolean, boolean)}; {@code residualEnd} marks the last
     * convolution of a residual branch, whose BatchNorm γ starts small (Goyal et al. 2017, "zero-γ") so that a
     * freshly initialised deep ResNet keeps unit-scale activations.
     */
    public Act conv(String name, Act x, int cout, int k, int s, int p, boolean bias, boolean batchNorm,
                    boolean residualEnd) {
        return conv(name, x, cout, Window.square(k, s, p), bias, batchNorm, BN_EPS, residualEnd);
    }

    /**
     * A convolution of any {@link Window}, optionally followed by a BatchNorm with epsilon {@code bnEps} that is
     * folded into it. Weights are [kH, kW, Cin/groups, Cout] (YXIO), or [kH, kW, Cin, Cout/Cin] for depthwise
     * convolutions (groups = Cin, output channel i·m + j), so the output channel is always the last index.
     */
    public Act conv(String name, Act x, int cout, Window g, boolean bias, boolean batchNorm, double bnEps,
                    boolean residualEnd) {
        if (x.c() % g.groups() != 0 || cout % g.groups() != 0) {
            throw new IllegalArgumentException("Convolution '" + name + "': " + x.c() + " input and " + cout
                    + " output channels do not split into " + g.groups() + " groups");
        }
        boolean depthwise = g.groups() > 1 && g.groups() == x.c();
        long[] wShape = depthwise ? new long[]{g.kh(), g.kw(), x.c(), cout / x.c()}
                : new long[]{g.kh(), g.kw(), x.c() / g.groups(), cout};
        Tensor w = param(name + ".weight", wShape, true, Init.HE, g.kh() * g.kw() * x.c() / g.groups());
        Tensor b = bias ? param(name + ".bias", new long[]{cout}, true, Init.ZERO, 0) : null;
        Binding wb, bb;
        if (batchNorm) {
            if (!allowBatchNorm) {
                throw new IllegalStateException("BatchNorm layer '" + name + "' cannot be trained by NoiseLens; "
                        + "train the model elsewhere and import it");
            }
            String ga = param(name + ".bn.gamma", new long[]{cout}, true,
                    residualEnd ? Init.GAMMA_RESIDUAL : Init.GAMMA, 0).name();
            String be = param(name + ".bn.beta", new long[]{cout}, true, Init.SMALL, 0).name();
            String m = param(name + ".bn.running_mean", new long[]{cout}, false, Init.SMALL, 0).name();
            String v = param(name + ".bn.running_var", new long[]{cout}, false, Init.VAR, 0).name();
            String bName = b == null ? null : b.name();
            wb = new FoldedConv(name + ".weight.folded", false, w.name(), bName, ga, be, m, v, bnEps);
            bb = new FoldedConv(name + ".bias.folded", true, w.name(), bName, ga, be, m, v, bnEps);
        } else {
            wb = new Direct(w.name(), w.name());
            bb = b == null ? null : new Direct(b.name(), b.name());
        }
        boolean dilated = g.dh() > 1 || g.dw() > 1;
        long[] kShape = wShape;
        if (dilated) {
            wb = new Dilated(name + ".weight.dilated", wb, wShape, g.dh(), g.dw());
            kShape = new long[]{(g.kh() - 1) * g.dh() + 1, (g.kw() - 1) * g.dw() + 1, wShape[2], wShape[3]};
        }
        SDVariable wv = variable(wb, kShape);
        SDVariable bv = bb == null ? null : variable(bb, new long[]{cout});
        Act in = x;
        Window cg = dilated ? new Window((int) kShape[0], (int) kShape[1], g.sh(), g.sw(), g.padTop(), g.padLeft(),
                g.padBottom(), g.padRight(), 1, 1, g.groups()) : g;
        if (!cg.symmetric()) {
            in = pad(x, cg, false);
            cg = cg.unpadded();
        }
        Conv2DConfig cfg = Conv2DConfig.builder().kH(cg.kh()).kW(cg.kw()).sH(cg.sh()).sW(cg.sw())
                .pH(cg.padTop()).pW(cg.padLeft()).dH(cg.dh()).dW(cg.dw())
                .paddingMode(PaddingMode.VALID).dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO).build();
        SDVariable out;
        Backprop.Rule rule;
        int outH = g.outH(x.h()), outW = g.outW(x.w());
        Window kg = cg;
        Act input = in;
        if (g.groups() == 1) {
            out = bv == null ? sd.cnn().conv2d(in.v(), wv, cfg) : sd.cnn().conv2d(in.v(), wv, bv, cfg);
            rule = (go, bp) -> bp.add(input.v(), bp.convInput(go, wv, kg, input.h(), input.w(), outH, outW));
        } else if (depthwise) {
            out = bv == null ? sd.cnn().depthWiseConv2d(in.v(), wv, cfg) : sd.cnn().depthWiseConv2d(in.v(), wv, bv, cfg);
            rule = (go, bp) -> bp.add(input.v(), bp.depthwiseInput(input.v(), wv, go, cfg));
        } else {
            // Grouped convolution: each group's input channels against its slice of the output channels.
            int ci = x.c() / g.groups(), co = cout / g.groups();
            SDVariable[] parts = new SDVariable[g.groups()];
            SDVariable[] kernels = new SDVariable[g.groups()];
            for (int k = 0; k < g.groups(); k++) {
                SDVariable xi = in.v().get(Backprop.channels(4, k * ci, (k + 1) * ci));
                kernels[k] = wv.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(k * co, (k + 1) * co));
                parts[k] = bv == null ? sd.cnn().conv2d(xi, kernels[k], cfg)
                        : sd.cnn().conv2d(xi, kernels[k], bv.get(SDIndex.interval(k * co, (k + 1) * co)), cfg);
            }
            out = sd.concat(1, parts);
            rule = (go, bp) -> {
                SDVariable[] gi = new SDVariable[kernels.length];
                for (int k = 0; k < gi.length; k++) {
                    gi[k] = bp.convInput(go.get(Backprop.channels(4, k * co, (k + 1) * co)), kernels[k], kg,
                            input.h(), input.w(), outH, outW);
                }
                bp.add(input.v(), sd.concat(1, gi));
            };
        }
        return named(name, track(new Act(out, cout, outH, outW), rule));
    }

    /**
     * A BatchNorm in inference form on its own (not after a convolution): y = x·γ/√(σ²+ε) + (β − μ·γ/√(σ²+ε)),
     * per channel of an [n, C, H, W] or [n, C] activation.
     */
    public Act batchNorm(String name, Act x, boolean spatial, double eps) {
        int c = x.c();
        String ga = param(name + ".gamma", new long[]{c}, true, Init.GAMMA, 0).name();
        String be = param(name + ".beta", new long[]{c}, true, Init.SMALL, 0).name();
        String m = param(name + ".running_mean", new long[]{c}, false, Init.SMALL, 0).name();
        String v = param(name + ".running_var", new long[]{c}, false, Init.VAR, 0).name();
        long[] shape = spatial ? new long[]{1, c, 1, 1} : new long[]{1, c};
        SDVariable scale = variable(new BatchNormAffine(name + ".scale.folded", false, ga, be, m, v, eps), shape);
        SDVariable shift = variable(new BatchNormAffine(name + ".shift.folded", true, ga, be, m, v, eps), shape);
        return named(name, track(x.like(x.v().mul(scale).add(shift)), (go, bp) -> bp.add(x.v(), go.mul(scale))));
    }

    public Act relu(Act x) {
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
     * Builds every ReLU as softplus with sharpness β instead (Ghorbani et al.'s surrogate for second-order
     * attacks); 0 keeps ReLU.
     */
    public Layers softplus(double beta) {
        this.softplusBeta = beta;
        return this;
    }

    /** Max pooling, kernel k, stride s, padding p. */
    public Act maxPool(Act x, int k, int s, int p) {
        return maxPool(x, Window.square(k, s, p));
    }

    /**
     * Max pooling over any {@link Window} with PyTorch's semantics, where padded cells never win. Symmetric padding
     * is libnd4j's own, whose windows are clipped to the real cells; asymmetric padding (ceil mode, SAME_*) is made
     * explicit by repeating the edge rows and columns, which changes no maximum (every window holds at least one
     * real cell next to its padding) and sends the gradient to the same cell.
     */
    public Act maxPool(Act x, Window g) {
        boolean explicit = g.padded() && !g.symmetric();
        SDVariable in = explicit ? pad(x, g, true).v() : x.v();
        Window pg = explicit ? g.unpadded() : g;
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(g.kh()).kW(g.kw()).sH(g.sh()).sW(g.sw())
                .pH(pg.padTop()).pW(pg.padLeft())
                .dH(g.dh()).dW(g.dw()).paddingMode(PaddingMode.VALID).type(Pooling2D.Pooling2DType.MAX)
                .isNHWC(false).build();
        return track(new Act(sd.cnn().maxPooling2d(in, cfg), x.c(), g.outH(x.h()), g.outW(x.w())),
                (go, bp) -> bp.add(in, bp.poolInput(in, go, cfg)));
    }

    /**
     * Average pooling over any {@link Window}; {@code countPadding} says whether padded (zero) cells count in the
     * divisor (PyTorch's {@code count_include_pad}, ONNX's attribute of that name).
     */
    public Act avgPool(Act x, Window g, boolean countPadding) {
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
        return track(new Act(sd.cnn().avgPooling2d(in, cfg), x.c(), g.outH(x.h()), g.outW(x.w())),
                (go, bp) -> bp.add(in, bp.poolInput(in, go, cfg)));
    }

    /**
     * The activation with {@code g}'s padding made explicit: zeros, or copies of the edge rows and columns
     * ({@code edge}). Built from slices and concatenations, whose gradients SameDiff has.
     */
    public Act pad(Act x, Window g, boolean edge) {
        SDVariable v = padAxis(x.v(), 2, x.h(), g.padTop(), g.padBottom(), edge);
        v = padAxis(v, 3, x.w(), g.padLeft(), g.padRight(), edge);
        return track(new Act(v, x.c(), x.h() + g.padTop() + g.padBottom(), x.w() + g.padLeft() + g.padRight()),
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

    public Act leakyRelu(Act x, double alpha) {
        return track(x.like(sd.nn().leakyRelu(x.v(), alpha)),
                (go, bp) -> bp.add(x.v(), new LeakyReLUBp(sd, x.v(), go, alpha).outputVariable()));
    }

    public Act sigmoid(Act x) {
        SDVariable y = sd.nn().sigmoid(x.v());
        return track(x.like(y), (go, bp) -> bp.add(x.v(), go.mul(y.mul(y.rsub(1.0)))));
    }

    /** min(max(x, lo), hi); ReLU6 when lo = 0 and hi = 6. */
    public Act clip(Act x, double lo, double hi) {
        SDVariable v = lo == 0 && hi == 6 ? sd.nn().relu6(x.v(), 0.0) : sd.math().clipByValue(x.v(), lo, hi);
        return track(x.like(v), (go, bp) -> bp.add(x.v(), go.mul(inside(x.v(), lo, hi))));
    }

    /** max(0, min(1, αx + β)). */
    public Act hardSigmoid(Act x, double alpha, double beta) {
        SDVariable z = x.v().mul(alpha).add(beta);
        return track(x.like(sd.math().clipByValue(z, 0.0, 1.0)),
                (go, bp) -> bp.add(x.v(), go.mul(inside(z, 0.0, 1.0)).mul(alpha)));
    }

    /** x · max(0, min(1, x/6 + 1/2)) (Howard et al. 2019, MobileNetV3). */
    public Act hardSwish(Act x) {
        return mul(x, hardSigmoid(x, 1.0 / 6, 0.5));
    }

    /** Element-wise product with broadcasting (e.g. squeeze-and-excitation's [n, C, 1, 1] gates). */
    public Act mul(Act a, Act b) {
        Act out = broadcast(a.v().mul(b.v()), a, b);
        return track(out, (go, bp) -> {
            bp.add(a.v(), bp.reduceTo(go.mul(b.v()), a, out));
            bp.add(b.v(), bp.reduceTo(go.mul(a.v()), b, out));
        });
    }

    /** 1 where lo &lt; v &lt; hi, else 0: where a clip passes the gradient (SameDiff's ClipByValue rule). */
    private SDVariable inside(SDVariable v, double lo, double hi) {
        return sd.gt(v, lo).castTo(dataType).mul(sd.lt(v, hi).castTo(dataType));
    }

    private static Act broadcast(SDVariable v, Act a, Act b) {
        return new Act(v, Math.max(a.c(), b.c()), Math.max(a.h(), b.h()), Math.max(a.w(), b.w()),
                Math.max(a.rank(), b.rank()));
    }

    /** The activation combined with a constant that is not a model parameter (ONNX constants in Add/Mul). */
    public Act withConstant(Act x, float[] value, long[] shape, boolean multiply) {
        org.nd4j.linalg.api.ndarray.INDArray arr = shape.length == 0 ? Nd4j.scalar(value[0])
                : Nd4j.createFromArray(value).reshape(shape);
        SDVariable c = sd.constant(arr.castTo(dataType));
        Act out = x.like(multiply ? x.v().mul(c) : x.v().add(c));
        return track(out, (go, bp) -> bp.add(x.v(), multiply ? bp.reduceTo(go.mul(c), x, out) : go));
    }

    /** Concatenation along the channel axis. */
    public Act concat(List<Act> parts) {
        int c = 0;
        Act first = parts.get(0);
        SDVariable[] vs = new SDVariable[parts.size()];
        for (int i = 0; i < vs.length; i++) {
            Act a = parts.get(i);
            if (a.h() != first.h() || a.w() != first.w()) {
                throw new IllegalStateException("Concatenated shapes differ: " + a + " vs " + first);
            }
            c += a.c();
            vs[i] = a.v();
        }
        return track(new Act(sd.concat(1, vs), c, first.h(), first.w(), first.rank()), (go, bp) -> {
            int from = 0;
            for (Act a : parts) {
                bp.add(a.v(), go.get(Backprop.channels(a.rank(), from, from + a.c())));
                from += a.c();
            }
        });
    }

    /** Reshapes to [n, c, h, w] (row-major), keeping the batch axis. */
    public Act reshape(Act x, int c, int h, int w) {
        if ((long) c * h * w != x.size()) {
            throw new IllegalStateException("Cannot reshape " + x + " to " + c + "×" + h + "×" + w);
        }
        return track(new Act(x.v().reshape(-1, c, h, w), c, h, w), (go, bp) -> bp.add(x.v(), sd.reshape(go, x.v().shape())));
    }

    public Act add(Act a, Act b) {
        if (a.c() != b.c() || a.h() != b.h() || a.w() != b.w()) {
            throw new IllegalStateException("Residual shapes differ: " + a + " vs " + b);
        }
        return track(a.like(a.v().add(b.v())), (go, bp) -> {
            bp.add(a.v(), go);
            bp.add(b.v(), go);
        });
    }

    /** Element-wise sum with broadcasting (ONNX's Add of two activations of different shapes). */
    public Act addBroadcast(Act a, Act b) {
        Act out = broadcast(a.v().add(b.v()), a, b);
        return track(out, (go, bp) -> {
            bp.add(a.v(), bp.reduceTo(go, a, out));
            bp.add(b.v(), bp.reduceTo(go, b, out));
        });
    }

    /** Global average pooling to [n, C]. */
    public Act globalAvgPool(Act x) {
        return track(Act.flat(x.v().mean(2, 3), x.c()), (go, bp) -> bp.add(x.v(), spreadMean(go, x)));
    }

    /** Global average pooling to [n, C, 1, 1] (ONNX's GlobalAveragePool keeps the spatial axes). */
    public Act globalAvgPoolKeepDims(Act x) {
        return track(new Act(x.v().mean(true, 2, 3), x.c(), 1, 1),
                (go, bp) -> bp.add(x.v(), spreadMean(go.reshape(-1, x.c()), x)));
    }

    /** Flattens [n, C, H, W] to [n, C·H·W] in row-major order. */
    public Act flatten(Act x) {
        return track(Act.flat(x.v().reshape(-1, x.size()), (int) x.size()),
                (go, bp) -> bp.add(x.v(), sd.reshape(go, x.v().shape())));
    }

    /** Global max pooling to [n, C]: a feature's strongest response anywhere in the image. */
    public Act globalMaxPool(Act x) {
        return track(Act.flat(x.v().max(2, 3), x.c()),
                (go, bp) -> bp.add(x.v(), new MaxBp(sd, x.v(), go, false, 2, 3).outputVariable()));
    }

    /** Fully connected layer on an [n, C] activation; returns [n, out]. */
    public Act dense(String name, Act x, int out) {
        return dense(name, x, out, true);
    }

    /** Fully connected layer with weights [in, out] and, when {@code bias}, a bias [out]. */
    public Act dense(String name, Act x, int out, boolean bias) {
        int in = (int) x.size();
        Tensor w = param(name + ".weight", new long[]{in, out}, true, Init.LECUN, in);
        SDVariable wv = variable(new Direct(w.name(), w.name()), w.shape());
        SDVariable y = x.v().mmul(wv);
        if (bias) {
            Tensor b = param(name + ".bias", new long[]{out}, true, Init.ZERO, 0);
            y = y.add(variable(new Direct(b.name(), b.name()), b.shape()));
        }
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
        for (Tensor t : params.values()) {
            float[] v = sd.getVariable(t.name()).getArr().castTo(DataType.FLOAT).reshape(t.size()).toFloatVector();
            out.add(t.withData(v));
        }
        return new ModelWeights(out);
    }

    /** BatchNorm folding: W' = W·s (per output channel), b' = (b − μ)·s + β, with s = γ/√(σ²+ε). */
    static float[] fold(ModelWeights w, FoldedConv f) {
        float[] gamma = w.get(f.gamma()).data(), beta = w.get(f.beta()).data();
        float[] mean = w.get(f.mean()).data(), var = w.get(f.var()).data();
        int cout = gamma.length;
        double[] scale = new double[cout];
        for (int o = 0; o < cout; o++) scale[o] = gamma[o] / Math.sqrt(var[o] + f.eps());
        if (f.isBias()) {
            float[] bias = f.bias() == null ? null : w.get(f.bias()).data();
            float[] out = new float[cout];
            for (int o = 0; o < cout; o++) {
                out[o] = (float) (((bias == null ? 0 : bias[o]) - mean[o]) * scale[o] + beta[o]);
            }
            return out;
        }
        float[] weight = w.get(f.weight()).data();
        float[] out = new float[weight.length];
        for (int i = 0; i < weight.length; i++) out[i] = (float) (weight[i] * scale[i % cout]);
        return out;
    }

    private static float[] value(ModelWeights w, Binding b) {
        if (b instanceof Direct d) return w.get(d.param()).data();
        if (b instanceof FoldedConv f) return fold(w, f);
        if (b instanceof BatchNormAffine a) return affine(w, a);
        return dilate(value(w, ((Dilated) b).inner()), (Dilated) b);
    }

    /** The kernel [kH, kW, I, O] spread to [(kH−1)·dH+1, (kW−1)·dW+1, I, O], zeros between the taps. */
    static float[] dilate(float[] k, Dilated d) {
        int kh = (int) d.shape()[0], kw = (int) d.shape()[1], io = (int) (d.shape()[2] * d.shape()[3]);
        int wide = (kw - 1) * d.dw() + 1;
        float[] out = new float[((kh - 1) * d.dh() + 1) * wide * io];
        for (int y = 0; y < kh; y++) {
            for (int x = 0; x < kw; x++) {
                System.arraycopy(k, (y * kw + x) * io, out, (y * d.dh() * wide + x * d.dw()) * io, io);
            }
        }
        return out;
    }

    /** A standalone BatchNorm's scale γ/√(σ²+ε) or shift β − μ·scale. */
    static float[] affine(ModelWeights w, BatchNormAffine a) {
        float[] gamma = w.get(a.gamma()).data(), beta = w.get(a.beta()).data();
        float[] mean = w.get(a.mean()).data(), var = w.get(a.var()).data();
        float[] out = new float[gamma.length];
        for (int c = 0; c < out.length; c++) {
            double scale = gamma[c] / Math.sqrt(var[c] + a.eps());
            out[c] = (float) (a.isShift() ? beta[c] - mean[c] * scale : scale);
        }
        return out;
    }

    public List<Binding> bindings() {
        return Collections.unmodifiableList(bindings);
    }

    /** The parameter view: given parameters plus any created by initialisation, in definition order. */
    public ModelWeights weights() {
        return new ModelWeights(params.values());
    }

    /** Floats held by all activations of one image in a forward pass (the basis of the memory estimate). */
    public long activationFloatsPerImage() {
        return activationFloats;
    }

    /** The output of the named convolution (after its folded BatchNorm, before the activation) or dense layer. */
    public Act output(String name) {
        Act a = outputs.get(name);
        if (a == null) throw new IllegalArgumentException("No layer named '" + name + "'; the model has " + outputs.keySet());
        return a;
    }

    /** Names of the convolution and dense layers, input to output. */
    public List<String> layerNames() {
        return List.copyOf(outputs.keySet());
    }

    private Act named(String name, Act a) {
        outputs.put(name, a);
        return a;
    }

    /** Counts the activation for the memory estimate and records its reverse rule (null for the input). */
    private Act track(Act a, Backprop.Rule rule) {
        activationFloats += a.size();
        if (rule != null) backprop.record(a.v(), rule);
        return a;
    }

    /** ∂/∂x of a spatial mean: the output gradient [n, C] spread evenly over x's H×W cells. */
    private SDVariable spreadMean(SDVariable g, Act x) {
        return new MeanBp(sd, x.v(), g, false, 2, 3).outputVariable(); // libnd4j's reduce_mean_bp: 7× faster than tile
    }

    private SDVariable variable(Binding binding, long[] shape) {
        bindings.add(binding);
        return sd.var(binding.graphName(), Nd4j.zeros(dataType, shape));
    }

    private enum Init { HE, LECUN, ZERO, GAMMA, GAMMA_RESIDUAL, SMALL, VAR }

    private Tensor param(String name, long[] shape, boolean trainable, Init init, int fanIn) {
        Tensor t = params.get(name);
        if (t != null) {
            if (!java.util.Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException("Parameter '" + name + "' has shape "
                        + java.util.Arrays.toString(t.shape()) + " but the architecture expects "
                        + java.util.Arrays.toString(shape));
            }
            return t;
        }
        if (initSeed == null) {
            throw new IllegalArgumentException("The weights have no parameter '" + name
                    + "' that the architecture needs; the weights belong to another architecture");
        }
        int n = 1;
        for (long d : shape) n *= (int) d;
        float[] data = new float[n];
        long key = KeyedRandom.key(initSeed, KeyedRandom.Purpose.TRAINING, KeyedRandom.hash(name));
        switch (init) {
            case HE, LECUN -> {
                KeyedRandom.fillGaussian(key, data, 0, n);
                float std = (float) Math.sqrt((init == Init.HE ? 2.0 : 1.0) / fanIn);
                for (int i = 0; i < n; i++) data[i] *= std;
            }
            case ZERO -> { }
            case GAMMA_RESIDUAL -> { for (int i = 0; i < n; i++) data[i] = (float) (0.1 + 0.1 * KeyedRandom.uniform(key, i)); }
            case GAMMA -> { for (int i = 0; i < n; i++) data[i] = (float) (0.8 + 0.4 * KeyedRandom.uniform(key, i)); }
            case SMALL -> { for (int i = 0; i < n; i++) data[i] = (float) (0.1 * KeyedRandom.gaussian(key, i)); }
            case VAR -> { for (int i = 0; i < n; i++) data[i] = (float) (0.5 + KeyedRandom.uniform(key, i)); }
        }
        t = new Tensor(name, shape, data, trainable);
        params.put(name, t);
        return t;
    }
}
