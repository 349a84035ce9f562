package io.noiselens.model;

import io.noiselens.random.KeyedRandom;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layers an {@link Architecture} is written in, independent of the engine that computes them: each engine
 * ({@link SameDiffLayers}, a SameDiff graph) implements the operations on its own activation type {@code T}; what a
 * layer's parameters are — their names, shapes, He initialisation from a keyed stream for fresh models, BatchNorm
 * folded into the convolution before it (scale = γ/√(var+ε), shift = β − mean·scale) — is decided here once, so
 * every engine reads the same {@link ModelWeights} the same way.
 *
 * <p>Layouts: activations NCHW; convolution weights [kH, kW, Cin, Cout] (YXIO); dense weights [in, out].
 *
 * @param <T> the engine's activation (a graph variable, a tensor)
 */
public abstract class Layers<T> {
    /**
     * An activation with its channel count and spatial size (for shape checks and the memory estimate), and its
     * rank: 4 for [n, C, H, W], 2 for [n, C].
     */
    public record Act<T>(T v, int c, int h, int w, int rank) {
        public Act(T v, int c, int h, int w) {
            this(v, c, h, w, 4);
        }

        public static <T> Act<T> flat(T v, int c) {
            return new Act<>(v, c, 1, 1, 2);
        }

        public Act<T> like(T v) {
            return new Act<>(v, c, h, w, rank);
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

        public boolean symmetric() {
            return padTop == padBottom && padLeft == padRight;
        }

        public boolean padded() {
            return padTop + padLeft + padBottom + padRight > 0;
        }

        public int outH(int h) {
            return (h + padTop + padBottom - (dh * (kh - 1) + 1)) / sh + 1;
        }

        public int outW(int w) {
            return (w + padLeft + padRight - (dw * (kw - 1) + 1)) / sw + 1;
        }

        public Window unpadded() {
            return new Window(kh, kw, sh, sw, 0, 0, 0, 0, dh, dw, groups);
        }
    }

    public static final double BN_EPS = 1e-5;

    /** A convolution's parameters as bindings: weight [kH, kW, I, O] (folded with its BatchNorm) and bias (or null). */
    protected record ConvParams(Binding weight, Binding bias, long[] weightShape, boolean depthwise) {}

    private final Map<String, Act<T>> outputs = new LinkedHashMap<>();
    /** The map layout of general tensors recorded under module names (absent: not a map). */
    private final Map<String, MapLayout> layouts = new LinkedHashMap<>();
    /** Names in the order their activations were last recorded (a module's output is its last node's). */
    private final Map<String, Boolean> recency = new LinkedHashMap<>();
    private final Map<String, Tensor> params;
    private final Long initSeed;
    private final boolean allowBatchNorm;
    private long activationFloats;
    protected double softplusBeta;
    /** The relevance rules the linear layers are built with (null: ordinary Jacobians). */
    protected Propagation propagation;
    /** DeepLift's Rescale rule for the nonlinearities (null: their gradients). */
    private Rescale deepLift;
    /** Under DeepLift: each nonlinearity's input and output on the reference pass, in call order. */
    private final List<Act<T>[]> references = new java.util.ArrayList<>();
    private boolean recordingReferences;
    private int nextReference;
    private boolean linearSeen;
    private int relevanceTerms;

    /**
     * @param params   the parameter view to bind (may be partial or empty when {@code initSeed} is set)
     * @param initSeed seed for creating missing parameters, or null to require every parameter
     * @param allowBatchNorm false for training graphs, which cannot fold BatchNorm
     */
    protected Layers(Map<String, Tensor> params, Long initSeed, boolean allowBatchNorm) {
        this.params = new LinkedHashMap<>(params);
        this.initSeed = initSeed;
        this.allowBatchNorm = allowBatchNorm;
    }

    /** Convolution with square kernel k, stride s, symmetric zero padding p; optionally followed by BatchNorm. */
    public final Act<T> conv(String name, Act<T> x, int cout, int k, int s, int p, boolean bias, boolean batchNorm) {
        return conv(name, x, cout, k, s, p, bias, batchNorm, false);
    }

    /**
     * As {@link #conv(String, Act, int, int, int, int, boolean, boolean)}; {@code residualEnd} marks the last
     * convolution of a residual branch, whose BatchNorm γ starts small (Goyal et al. 2017, "zero-γ") so that a
     * freshly initialised deep ResNet keeps unit-scale activations.
     */
    public final Act<T> conv(String name, Act<T> x, int cout, int k, int s, int p, boolean bias, boolean batchNorm,
                             boolean residualEnd) {
        return conv(name, x, cout, Window.square(k, s, p), bias, batchNorm, BN_EPS, residualEnd);
    }

    /**
     * A convolution of any {@link Window}, optionally followed by a BatchNorm with epsilon {@code bnEps} that is
     * folded into it. Weights are [kH, kW, Cin/groups, Cout] (YXIO), or [kH, kW, Cin, Cout/Cin] for depthwise
     * convolutions (groups = Cin, output channel i·m + j), so the output channel is always the last index.
     */
    public abstract Act<T> conv(String name, Act<T> x, int cout, Window g, boolean bias, boolean batchNorm, double bnEps,
                                boolean residualEnd);

    /** The parameters of a convolution as {@link #conv(String, Act, int, Window, boolean, boolean, double, boolean)} defines it. */
    protected final ConvParams convParams(String name, Act<T> x, int cout, Window g, boolean bias, boolean batchNorm,
                                          double bnEps, boolean residualEnd) {
        if (x.c() % g.groups() != 0 || cout % g.groups() != 0) {
            throw new IllegalArgumentException("Convolution '" + name + "': " + x.c() + " input and " + cout
                    + " output channels do not split into " + g.groups() + " groups");
        }
        boolean depthwise = g.groups() > 1 && g.groups() == x.c();
        long[] wShape = depthwise ? new long[]{g.kh(), g.kw(), x.c(), cout / x.c()}
                : new long[]{g.kh(), g.kw(), x.c() / g.groups(), cout};
        Tensor w = param(name + ".weight", wShape, true, Init.HE, g.kh() * g.kw() * x.c() / g.groups());
        Tensor b = bias ? param(name + ".bias", new long[]{cout}, true, Init.ZERO, 0) : null;
        if (!batchNorm) {
            return new ConvParams(new Direct(w.name(), w.name()), b == null ? null : new Direct(b.name(), b.name()),
                    wShape, depthwise);
        }
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
        return new ConvParams(new FoldedConv(name + ".weight.folded", false, w.name(), bName, ga, be, m, v, bnEps),
                new FoldedConv(name + ".bias.folded", true, w.name(), bName, ga, be, m, v, bnEps), wShape, depthwise);
    }

    /**
     * A BatchNorm in inference form on its own (not after a convolution): y = x·γ/√(σ²+ε) + (β − μ·γ/√(σ²+ε)),
     * per channel of an [n, C, H, W] or [n, C] activation.
     */
    public abstract Act<T> batchNorm(String name, Act<T> x, boolean spatial, double eps);

    /** The scale and shift bindings of a standalone BatchNorm over {@code c} channels. */
    protected final Binding[] batchNormParams(String name, int c, double eps) {
        String ga = param(name + ".gamma", new long[]{c}, true, Init.GAMMA, 0).name();
        String be = param(name + ".beta", new long[]{c}, true, Init.SMALL, 0).name();
        String m = param(name + ".running_mean", new long[]{c}, false, Init.SMALL, 0).name();
        String v = param(name + ".running_var", new long[]{c}, false, Init.VAR, 0).name();
        return new Binding[]{new BatchNormAffine(name + ".scale.folded", false, ga, be, m, v, eps),
                new BatchNormAffine(name + ".shift.folded", true, ga, be, m, v, eps)};
    }

    /** ReLU, or softplus with sharpness β when {@link #softplus} set one; DeepLift's Rescale applies ({@link #rescaled}). */
    public final Act<T> relu(Act<T> x) {
        return rescaled(x, reluOp(x));
    }

    /** This engine's ReLU (or softplus). */
    protected abstract Act<T> reluOp(Act<T> x);

    /**
     * Builds every ReLU as softplus with sharpness β instead (Ghorbani et al.'s surrogate for second-order
     * attacks); 0 keeps ReLU.
     */
    public Layers<T> softplus(double beta) {
        this.softplusBeta = beta;
        return this;
    }

    /**
     * Builds the graph with modified Jacobians: every linear layer with its relevance rule ({@link Propagation}), so
     * that the graph's input gradient is the LRP relevance, or every nonlinearity with DeepLift's secant
     * ({@link Rescale}; the caller defines the network on {@link #referenceInput} first, then on the input); null
     * keeps the gradient.
     */
    public Layers<T> modifiedGradient(ModifiedGradient g) {
        this.propagation = g instanceof Propagation p ? p : null;
        this.deepLift = g instanceof Rescale r ? r : null;
        return this;
    }

    /**
     * DeepLift's reference x′ as a batch-1 constant input; defining the network on it records every nonlinearity's
     * input and output, which the next definition (on the real input, {@link #startInputPass}) uses in the same order.
     */
    public Act<T> referenceInput(int c, int h, int w) {
        recordingReferences = true;
        references.clear();
        return new Act<>(constant("deeplift.reference", deepLift.reference(), new long[]{1, c, h, w}), c, h, w);
    }

    /** Ends the reference definition: nonlinearities now consume the recorded references in order. */
    public void startInputPass() {
        recordingReferences = false;
        nextReference = 0;
    }

    /**
     * y = σ(x) with DeepLift's Rescale multiplier when {@link #deepLift} is set: sg(y) + (y − sg y)·s + (x − sg x)·sg(m),
     * m = Δy/Δx where |Δx| ≥ τ ({@link Rescale}) and s = 1 (σ's own gradient) elsewhere; on the reference pass, y
     * recorded.
     */
    @SuppressWarnings("unchecked")
    protected final Act<T> rescaled(Act<T> x, Act<T> y) {
        if (deepLift == null) return y;
        if (recordingReferences) {
            references.add(new Act[]{x, y});
            return y;
        }
        if (nextReference >= references.size()) {
            throw new IllegalStateException("DeepLift: the input pass met more nonlinearities than the reference pass");
        }
        Act<T>[] ref = references.get(nextReference++);
        T dx = binary(Binary.SUB, x.v(), ref[0].v()), dy = binary(Binary.SUB, y.v(), ref[1].v());
        T one = constant("deeplift.one", new float[]{1}, new long[0]);
        // small = 1 where |Δx| < τ = EPS + RELATIVE·(|x| + |x′|): (1 + sign(τ − |Δx|)) / 2.
        T tau = binary(Binary.ADD, constant("deeplift.eps", new float[]{(float) Rescale.EPS}, new long[0]),
                binary(Binary.MUL, binary(Binary.ADD, unary(Unary.ABS, x.v()), unary(Unary.ABS, ref[0].v())),
                        constant("deeplift.relative", new float[]{(float) Rescale.RELATIVE}, new long[0])));
        T small = stopGradient(binary(Binary.MUL, binary(Binary.ADD, one, unary(Unary.SIGN, binary(Binary.SUB, tau,
                unary(Unary.ABS, dx)))), constant("deeplift.half", new float[]{0.5f}, new long[0])));
        T secant = stopGradient(binary(Binary.MUL, binary(Binary.DIV, dy, binary(Binary.ADD, dx, small)),
                binary(Binary.SUB, one, small)));
        T yv = y.v(), xv = x.v();
        T out = binary(Binary.ADD, binary(Binary.ADD, stopGradient(yv), binary(Binary.MUL,
                binary(Binary.SUB, yv, stopGradient(yv)), small)), binary(Binary.MUL, binary(Binary.SUB, xv,
                stopGradient(xv)), secant));
        return y.like(out);
    }

    /** A linear map of this engine: {@code input} against {@code kernel} (the layer's geometry), plus {@code bias} unless null. */
    protected interface LinearOp<T> {
        T apply(T input, T kernel, T bias);
    }

    /** {@code x} with its gradient stopped (its value, a constant to the reverse pass). */
    protected abstract T stopGradient(T x);

    /**
     * The output z = op(x, w, b) of a linear layer, or under {@link #propagation} the same value with its rule's
     * modified Jacobian, sg(z) + Σ_t c_t (Z_t − sg(Z_t)) ⊙ sg(z / stab(z̃_t)) ({@link Propagation}).
     */
    protected final T linearOutput(String name, Act<T> x, T w, T b, LinearOp<T> op, boolean dense) {
        T z = op.apply(x.v(), w, b);
        Propagation p = propagation;
        if (p == null) return z;
        boolean first = !linearSeen;
        linearSeen = true;
        Relevance r = new Relevance(name, x, first);
        T xv = x.v();
        Propagation.Rule rule = p.rule(first, dense);
        return switch (rule) {
            case EPSILON -> r.modified(z, op.apply(r.carrier(xv), w, null), z, p.epsilon());
            case FLAT -> {
                T ones = r.ones(w);
                yield r.modified(z, op.apply(xv, ones, null), op.apply(r.ones(xv), ones, null), Propagation.STABILISER);
            }
            case ZBOX -> {
                if (p.low() == null) throw new IllegalStateException("z^B needs the input's bounds (Propagation.withBounds)");
                T low = r.bound(p.low()), high = r.bound(p.high()), wPos = unary(Unary.RELU, w), wNeg = r.negativePart(w, wPos);
                T carrier = r.sum(op.apply(r.halfSquare(binary(Binary.SUB, xv, low)), wPos, null),
                        op.apply(r.halfSquare(binary(Binary.SUB, xv, high)), wNeg, null));
                T value = binary(Binary.SUB, binary(Binary.SUB, z, op.apply(low, wPos, null)), op.apply(high, wNeg, null));
                yield r.modified(z, carrier, value, Propagation.STABILISER);
            }
            case ZPLUS, ALPHA_BETA, GAMMA -> {
                // The rules that split inputs and weights by sign: x⁺, x⁻ and their carriers made once per layer.
                Signed sg = new Signed(r, xv, op);
                T wPos = unary(Unary.RELU, w), wNeg = r.negativePart(w, wPos);
                T bPos = b == null ? null : unary(Unary.RELU, b), bNeg = b == null ? null : r.negativePart(b, bPos);
                if (rule == Propagation.Rule.ZPLUS) {
                    yield r.modified(z, sg.carrier(wPos, wNeg), sg.value(wPos, bPos, wNeg), Propagation.STABILISER);
                }
                if (rule == Propagation.Rule.ALPHA_BETA) {
                    T plus = r.term(z, sg.carrier(wPos, wNeg), sg.value(wPos, bPos, wNeg), Propagation.STABILISER);
                    T minus = r.term(z, sg.carrier(wNeg, wPos), sg.value(wNeg, bNeg, wPos), Propagation.STABILISER);
                    yield binary(Binary.ADD, stopGradient(z), binary(Binary.SUB, binary(Binary.MUL, plus, r.scalar(p.alpha())),
                            binary(Binary.MUL, minus, r.scalar(p.beta()))));
                }
                // Zennit's signed γ: (x⁺(w + γw⁺) + x⁻(w + γw⁻)) where z > 0, (x⁺(w + γw⁻) + x⁻(w + γw⁺)) elsewhere,
                // so that |z̃| ≥ |z|; Captum's w + γw⁺ on both signs moves z̃ through zero and is ill-conditioned.
                T g = r.scalar(p.gamma());
                T up = binary(Binary.ADD, w, binary(Binary.MUL, wPos, g)), down = binary(Binary.ADD, w, binary(Binary.MUL, wNeg, g));
                T bUp = b == null ? null : binary(Binary.ADD, b, binary(Binary.MUL, bPos, g));
                T bDown = b == null ? null : binary(Binary.ADD, b, binary(Binary.MUL, bNeg, g));
                T positive = stopGradient(binary(Binary.MUL, binary(Binary.ADD, unary(Unary.SIGN, z), r.scalar(1)), r.scalar(0.5)));
                T negative = binary(Binary.SUB, r.scalar(1), positive);
                T carrier = r.sum(binary(Binary.MUL, positive, sg.carrier(up, down)), binary(Binary.MUL, negative, sg.carrier(down, up)));
                T value = r.sum(binary(Binary.MUL, positive, sg.value(up, bUp, down)),
                        binary(Binary.MUL, negative, sg.value(down, bDown, up)));
                yield r.modified(z, carrier, value, Propagation.STABILISER);
            }
        };
    }

    /** A layer's input split by sign, x⁺ and x⁻, with their carriers: the terms x⁺·a + x⁻·b of the signed rules. */
    private final class Signed {
        final LinearOp<T> op;
        final T pos, neg, carrierPos, carrierNeg;

        Signed(Relevance r, T x, LinearOp<T> op) {
            this.op = op;
            this.pos = unary(Unary.RELU, x);
            this.neg = r.negativePart(x, pos);
            this.carrierPos = r.carrier(pos);
            this.carrierNeg = r.carrier(neg);
        }

        /** Z = op(carrier(x⁺), a) + op(carrier(x⁻), b): the Jacobian carrier. */
        T carrier(T a, T b) {
            return binary(Binary.ADD, op.apply(carrierPos, a, null), op.apply(carrierNeg, b, null));
        }

        /** z̃ = op(x⁺, a, bias) + op(x⁻, b): the value the stabilised ratio divides by. */
        T value(T a, T bias, T b) {
            return binary(Binary.ADD, op.apply(pos, a, bias), op.apply(neg, b, null));
        }
    }

    /** The pieces of one layer's modified Jacobian (constants named after the layer). */
    private final class Relevance {
        final String name;
        final Act<T> x;
        final boolean first;

        Relevance(String name, Act<T> x, boolean first) {
            this.name = name;
            this.x = x;
            this.first = first;
        }

        T scalar(double v) {
            return constant(name + ".lrp." + (relevanceTerms++), new float[]{(float) v}, new long[0]);
        }

        T sum(T a, T b) {
            return binary(Binary.ADD, a, b);
        }

        /** What the layer's Z is taken of: the input itself, or ½x² at the first layer (its Jacobian is then x). */
        T carrier(T in) {
            return first ? halfSquare(in) : in;
        }

        T halfSquare(T in) {
            return binary(Binary.MUL, binary(Binary.MUL, in, in), scalar(0.5));
        }

        /** v⁻ = v − v⁺, from v⁺ already made. */
        T negativePart(T v, T positive) {
            return binary(Binary.SUB, v, positive);
        }

        T ones(T like) {
            return binary(Binary.ADD, binary(Binary.MUL, like, scalar(0)), scalar(1));
        }

        /** The input's per-channel bound as a constant of the input's shape (one image). */
        T bound(float[] perChannel) {
            long size = x.size();
            float[] v = new float[(int) size];
            long perC = size / perChannel.length;
            for (int i = 0; i < v.length; i++) v[i] = perChannel[(int) (i / perC)];
            long[] shape = x.rank() == 4 ? new long[]{1, x.c(), x.h(), x.w()} : new long[]{1, size};
            return constant(name + ".lrp.bound." + (relevanceTerms++), v, shape);
        }

        /** sg(z) + (Z − sg(Z)) ⊙ sg(z / stab(z̃)). */
        T modified(T z, T carrier, T zTilde, double eps) {
            return binary(Binary.ADD, stopGradient(z), term(z, carrier, zTilde, eps));
        }

        /** (Z − sg(Z)) ⊙ sg(z / stab(z̃)), with stab(v) = v + ε·sign(v), sign(0) = +1: value 0, the rule's Jacobian. */
        T term(T z, T carrier, T zTilde, double eps) {
            T sign = unary(Unary.SIGN, zTilde);
            T plusOne = binary(Binary.SUB, binary(Binary.ADD, sign, scalar(1)), unary(Unary.ABS, sign));
            T stab = binary(Binary.ADD, zTilde, binary(Binary.MUL, plusOne, scalar(eps)));
            T scale = stopGradient(binary(Binary.DIV, z, stab));
            return binary(Binary.MUL, binary(Binary.SUB, carrier, stopGradient(carrier)), scale);
        }
    }

    /** Max pooling, kernel k, stride s, padding p. */
    public final Act<T> maxPool(Act<T> x, int k, int s, int p) {
        return maxPool(x, Window.square(k, s, p));
    }

    /** Max pooling over any {@link Window} with PyTorch's semantics, where padded cells never win. */
    public abstract Act<T> maxPool(Act<T> x, Window g);

    /**
     * Average pooling over any {@link Window}; {@code countPadding} says whether padded (zero) cells count in the
     * divisor (PyTorch's {@code count_include_pad}, ONNX's attribute of that name).
     */
    public abstract Act<T> avgPool(Act<T> x, Window g, boolean countPadding);

    /** The activation with {@code g}'s padding made explicit: zeros, or copies of the edge rows and columns ({@code edge}). */
    public abstract Act<T> pad(Act<T> x, Window g, boolean edge);

    public final Act<T> leakyRelu(Act<T> x, double alpha) {
        return rescaled(x, leakyReluOp(x, alpha));
    }

    protected abstract Act<T> leakyReluOp(Act<T> x, double alpha);

    public final Act<T> sigmoid(Act<T> x) {
        return rescaled(x, sigmoidOp(x));
    }

    protected abstract Act<T> sigmoidOp(Act<T> x);

    /** min(max(x, lo), hi); ReLU6 when lo = 0 and hi = 6. */
    public final Act<T> clip(Act<T> x, double lo, double hi) {
        return rescaled(x, clipOp(x, lo, hi));
    }

    protected abstract Act<T> clipOp(Act<T> x, double lo, double hi);

    /** max(0, min(1, αx + β)). */
    public final Act<T> hardSigmoid(Act<T> x, double alpha, double beta) {
        return rescaled(x, hardSigmoidOp(x, alpha, beta));
    }

    protected abstract Act<T> hardSigmoidOp(Act<T> x, double alpha, double beta);

    /** x · max(0, min(1, x/6 + 1/2)) (Howard et al. 2019, MobileNetV3). */
    public final Act<T> hardSwish(Act<T> x) {
        return mul(x, hardSigmoid(x, 1.0 / 6, 0.5));
    }

    /** Element-wise product with broadcasting (e.g. squeeze-and-excitation's [n, C, 1, 1] gates). */
    public abstract Act<T> mul(Act<T> a, Act<T> b);

    /** The activation combined with a constant that is not a model parameter (ONNX constants in Add/Mul). */
    public abstract Act<T> withConstant(Act<T> x, float[] value, long[] shape, boolean multiply);

    /** Concatenation along the channel axis. */
    public abstract Act<T> concat(List<Act<T>> parts);

    /** Reshapes to [n, c, h, w] (row-major), keeping the batch axis. */
    public abstract Act<T> reshape(Act<T> x, int c, int h, int w);

    /** Element-wise sum of two activations of the same shape (residual connections). */
    public abstract Act<T> add(Act<T> a, Act<T> b);

    /** Element-wise sum with broadcasting (ONNX's Add of two activations of different shapes). */
    public abstract Act<T> addBroadcast(Act<T> a, Act<T> b);

    /** Global average pooling to [n, C]. */
    public abstract Act<T> globalAvgPool(Act<T> x);

    /** Global average pooling to [n, C, 1, 1] (ONNX's GlobalAveragePool keeps the spatial axes). */
    public abstract Act<T> globalAvgPoolKeepDims(Act<T> x);

    /** Flattens [n, C, H, W] to [n, C·H·W] in row-major order. */
    public abstract Act<T> flatten(Act<T> x);

    /** Global max pooling to [n, C]: a feature's strongest response anywhere in the image. */
    public abstract Act<T> globalMaxPool(Act<T> x);

    /** Fully connected layer on an [n, C] activation; returns [n, out]. */
    public final Act<T> dense(String name, Act<T> x, int out) {
        return dense(name, x, out, true);
    }

    /** Fully connected layer with weights [in, out] and, when {@code bias}, a bias [out]. */
    public abstract Act<T> dense(String name, Act<T> x, int out, boolean bias);

    /** The weight [in, out] and bias [out] (or null) of a dense layer, as tensors of the parameter view. */
    protected final Tensor[] denseParams(String name, int in, int out, boolean bias) {
        Tensor w = param(name + ".weight", new long[]{in, out}, true, Init.LECUN, in);
        Tensor b = bias ? param(name + ".bias", new long[]{out}, true, Init.ZERO, 0) : null;
        return new Tensor[]{w, b};
    }

    // ---- General tensors: the operators of transformer-era graphs (imported ONNX). Any rank, the batch on any
    // axis; the import tracks every shape ({@link Dims}) and passes the engine what it needs.

    /** Element-wise functions of one tensor. GELU is the exact (erf) form, GELU_TANH the tanh approximation. */
    public enum Unary { ERF, SQRT, EXP, TANH, NEG, ABS, RECIPROCAL, RELU, SIGMOID, GELU, GELU_TANH, SIGN }

    /** Element-wise functions of two tensors, with numpy broadcasting. */
    public enum Binary { ADD, SUB, MUL, DIV, POW }

    /**
     * A constant tensor (not a model parameter) named {@code name}: the same values on every pass, so an engine that
     * runs the graph eagerly may keep it between passes.
     */
    public abstract T constant(String name, float[] values, long[] shape);

    /** The parameter {@code param} of the parameter view, in its stored layout, as a tensor of the computation. */
    public abstract T tensor(String param);

    /**
     * A dense layer over the last axis of a tensor of any rank, y = x·W + b of shape {@code to}, with W [in, out] (the parameters of
     * {@link #dense(String, Act, int, boolean)}), recorded as layer {@code name} when {@code perImage} &gt; 0 (the
     * batch leads, {@code perImage} output values per image).
     */
    public abstract T linear(String name, T x, Dims to, int in, int out, boolean bias, long perImage);

    /** Matrix product with numpy semantics (batched over leading axes, broadcasting). */
    public abstract T matmul(T a, T b);

    public abstract T binary(Binary op, T a, T b);

    public abstract T unary(Unary op, T x);

    public abstract T softmax(T x, int axis);

    public abstract T reduceMean(T x, int[] axes, boolean keep);

    /** (x − mean) / √(var + ε) · γ + β over the axes from {@code axis} to the last (ONNX LayerNormalization). */
    public abstract T layerNorm(T x, int rank, int axis, T gamma, T beta, double eps);

    public abstract T transpose(T x, int[] perm);

    /** Reshapes to {@code to} (resolved at the batch being computed). */
    public abstract T reshape(T x, Dims to);

    /** Broadcasts to {@code to} (resolved at the batch being computed). */
    public abstract T expand(T x, Dims to);

    /** Elements {@code index} (non-negative, of shape {@code indexShape}) along {@code axis}, as ONNX Gather. */
    public abstract T gather(T x, Dims in, int axis, long[] index, long[] indexShape);

    /** Elements start, start + step, … before end along {@code axis} of a tensor of {@code in} (clamped as ONNX Slice). */
    public abstract T slice(T x, Dims in, int axis, long start, long end, long step);

    public abstract T concat(List<T> parts, int axis);

    /** Constant padding, {@code pads} = [begin per axis…, end per axis…]. */
    public abstract T pad(T x, long[] pads, double value);

    /** Records a general tensor with the batch leading as layer {@code name} ({@code perImage} values per image). */
    protected final T namedTensor(String name, T v, long perImage) {
        if (perImage > 0) named(name, new Act<>(v, (int) perImage, 1, 1, 2));
        return v;
    }

    /**
     * Records {@code v}, of per-image shape {@code perImage}, as the output of module {@code name} (a later node of
     * the module replaces it), with its map layout when it reads as one ({@link MapLayout#infer}).
     */
    public final void nameModule(String name, T v, long[] perImage) {
        long size = 1;
        for (long d : perImage) size *= d;
        namedTensor(name, v, size);
        MapLayout layout = MapLayout.infer(perImage);
        if (layout == null) layouts.remove(name);
        else layouts.put(name, layout);
    }

    /** The map layout of a named layer's output, or null where it is no map (a dense layer, a 1×1 map). */
    public MapLayout layout(String name) {
        Act<T> a = output(name);
        if (a.rank() == 4) return a.h() * a.w() > 1 ? MapLayout.chw(a.c(), a.h(), a.w()) : null;
        return layouts.get(name);
    }

    /** Records a block's activation under its module name ({@code layer4}), for layer explainers and probes. */
    public final Act<T> nameOutput(String name, Act<T> a) {
        return named(name, a);
    }

    /** Counts {@code floatsPerImage} activation values for the memory estimate (general tensors). */
    public final void count(long floatsPerImage) {
        activationFloats += floatsPerImage;
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

    /** The value of a binding under the parameters {@code w}. */
    protected static float[] value(ModelWeights w, Binding b) {
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

    /** The parameter view: given parameters plus any created by initialisation, in definition order. */
    public ModelWeights weights() {
        return new ModelWeights(params.values());
    }

    /** Floats held by all activations of one image in a forward pass (the basis of the memory estimate). */
    public long activationFloatsPerImage() {
        return activationFloats;
    }

    /** The output of the named convolution (after its folded BatchNorm, before the activation) or dense layer. */
    public Act<T> output(String name) {
        Act<T> a = outputs.get(name);
        if (a == null) throw new IllegalArgumentException("No layer named '" + name + "'; the model has " + outputs.keySet());
        return a;
    }

    /** Names of the convolution and dense layers, input to output. */
    public List<String> layerNames() {
        return List.copyOf(outputs.keySet());
    }

    /** Records {@code a} as the output of layer {@code name}. */
    protected final Act<T> named(String name, Act<T> a) {
        outputs.put(name, a);
        recency.remove(name);
        recency.put(name, Boolean.TRUE);
        return a;
    }

    /**
     * The layers whose output is a spatial map ({@link #layout}: C×H×W with H·W &gt; 1, or a transformer's tokens or
     * channel-last stage read as one), ordered by when their value was last
     * recorded, so the last is the deepest; a tensor recorded under several names (a module and its last submodule)
     * appears once, under its shortest name ({@code layer4} rather than {@code layer4.1.relu_1}).
     */
    public List<String> spatialLayers() {
        List<String> out = new java.util.ArrayList<>();
        java.util.Set<Object> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<String> byRecency = new java.util.ArrayList<>(recency.keySet());
        java.util.Collections.reverse(byRecency);
        for (String name : byRecency) {
            Act<T> a = outputs.get(name);
            if (layout(name) == null || !seen.add(a.v())) continue;
            String shortest = name;
            for (Map.Entry<String, Act<T>> e : outputs.entrySet()) {
                if (e.getValue().v() == a.v() && e.getKey().length() < shortest.length()) shortest = e.getKey();
            }
            out.add(shortest);
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /** Counts the activation for the memory estimate. */
    protected final Act<T> counted(Act<T> a) {
        activationFloats += a.size();
        return a;
    }

    /** The parameters as given (or initialised so far), by name. */
    protected final Map<String, Tensor> params() {
        return params;
    }

    private enum Init { HE, LECUN, ZERO, GAMMA, GAMMA_RESIDUAL, SMALL, VAR }

    protected final Tensor param(String name, long[] shape, boolean trainable, Init init, int fanIn) {
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
