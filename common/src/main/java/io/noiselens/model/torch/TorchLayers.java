package io.noiselens.model.torch;

import io.noiselens.model.Dims;
import io.noiselens.model.Layers;
import io.noiselens.model.ModelWeights;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@link Layers} of an architecture computed eagerly on libtorch (define-by-run): each call runs the torch
 * operator on the activations at hand, so autograd records the graph of this one pass. Parameters are the same
 * bindings every engine reads ({@link Layers.Binding}: BatchNorm folded into the convolution before it, standalone
 * BatchNorm as scale and shift), turned into torch tensors once per parameter set by {@code parameter}; our YXIO
 * convolution weights [kH, kW, I, O] become torch's OIHW, depthwise [kH, kW, C, m] becomes [C·m, 1, kH, kW].
 * Padding follows PyTorch's semantics as the SameDiff engine does: asymmetric padding is made explicit (zeros for
 * convolutions and average pooling, −∞ for max pooling, so padded cells never win).
 */
public final class TorchLayers extends Layers<Tensor> {
    private final Function<Binding, float[]> values;
    private final Map<String, Tensor> bound;
    private long batch = 1;
    private final boolean float64;

    /**
     * @param weights the parameter view (every parameter the architecture needs)
     * @param bound   the torch tensors of the bindings already made for these weights, filled as layers ask; the
     *                caller owns them (they outlive this pass)
     */
    public TorchLayers(ModelWeights weights, Map<String, Tensor> bound) {
        this(weights, bound, false);
    }

    /** As above, with parameters and constants in float64 when {@code float64} (the tests' tight reference path). */
    public TorchLayers(ModelWeights weights, Map<String, Tensor> bound, boolean float64) {
        super(asMap(weights), null, true);
        this.values = b -> value(weights, b);
        this.bound = bound;
        this.float64 = float64;
    }

    /** {@code t} in this pass's precision. */
    private Tensor precise(Tensor t) {
        return float64 ? t.to(torch.ScalarType.Double) : t;
    }

    private static Map<String, io.noiselens.model.Tensor> asMap(ModelWeights w) {
        Map<String, io.noiselens.model.Tensor> m = new java.util.LinkedHashMap<>();
        for (io.noiselens.model.Tensor t : w.tensors()) m.put(t.name(), t);
        return m;
    }

    /** The input activation [n, C, H, W]; its n is the batch every {@link Dims} of this pass resolves at. */
    public Act<Tensor> input(Tensor x, int c, int h, int w) {
        batch = x.size(0);
        return counted(new Act<>(x, c, h, w));
    }

    /** The tensor of {@code b} in torch's layout {@code shape} (made from its values, permuted by {@code perm}). */
    private Tensor parameter(Binding b, long[] ourShape, long[] perm, long... shape) {
        return bound.computeIfAbsent(b.graphName(), k -> {
            try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
                Tensor t = precise(Torch.tensor(values.apply(b), ourShape));
                Tensor out = perm == null ? t.reshape(shape).contiguous() : t.permute(perm).reshape(shape).contiguous();
                out.retainReference();
                return out;
            }
        });
    }

    private static Scalar scalar(double v) {
        return new Scalar(v);
    }

    @Override
    public Act<Tensor> conv(String name, Act<Tensor> x, int cout, Window g, boolean bias, boolean batchNorm, double bnEps,
                            boolean residualEnd) {
        ConvParams p = convParams(name, x, cout, g, bias, batchNorm, bnEps, residualEnd);
        long[] s = p.weightShape();
        Tensor w = p.depthwise()
                ? parameter(p.weight(), s, new long[]{2, 3, 0, 1}, s[2] * s[3], 1, s[0], s[1])
                : parameter(p.weight(), s, new long[]{3, 2, 0, 1}, s[3], s[2], s[0], s[1]);
        Tensor b = p.bias() == null ? null : parameter(p.bias(), new long[]{cout}, null, cout);
        boolean padded = !g.symmetric();
        long padH = padded ? 0 : g.padTop(), padW = padded ? 0 : g.padLeft();
        LinearOp<Tensor> op = (input, kernel, bv) -> torch.conv2d(padded ? torch.constant_pad_nd(input,
                        new long[]{g.padLeft(), g.padRight(), g.padTop(), g.padBottom()}, scalar(0)) : input, kernel,
                bv == null ? new TensorOptional() : new TensorOptional(bv), new long[]{g.sh(), g.sw()},
                new long[]{padH, padW}, new long[]{g.dh(), g.dw()}, g.groups());
        Tensor y = linearOutput(name, x, w, b, op, false);
        return named(name, counted(new Act<>(y, cout, g.outH(x.h()), g.outW(x.w()))));
    }

    @Override
    protected Tensor stopGradient(Tensor x) {
        return x.detach();
    }

    @Override
    public Act<Tensor> batchNorm(String name, Act<Tensor> x, boolean spatial, double eps) {
        int c = x.c();
        Binding[] affine = batchNormParams(name, c, eps);
        long[] shape = spatial ? new long[]{1, c, 1, 1} : new long[]{1, c};
        Tensor scale = parameter(affine[0], new long[]{c}, null, shape), shift = parameter(affine[1], new long[]{c}, null, shape);
        return named(name, counted(x.like(x.v().mul(scale).add(shift))));
    }

    @Override
    protected Act<Tensor> reluOp(Act<Tensor> x) {
        if (softplusBeta > 0) return counted(x.like(torch.softplus(x.v(), scalar(softplusBeta), scalar(20))));
        return counted(x.like(x.v().relu()));
    }

    @Override
    public Act<Tensor> maxPool(Act<Tensor> x, Window g) {
        Tensor in = x.v();
        long padH = g.padTop(), padW = g.padLeft();
        if (!g.symmetric()) {
            in = torch.constant_pad_nd(in, new long[]{g.padLeft(), g.padRight(), g.padTop(), g.padBottom()},
                    scalar(Double.NEGATIVE_INFINITY));
            padH = 0;
            padW = 0;
        }
        Tensor y = torch.max_pool2d(in, new long[]{g.kh(), g.kw()}, new long[]{g.sh(), g.sw()}, new long[]{padH, padW},
                new long[]{g.dh(), g.dw()}, false);
        return counted(new Act<>(y, x.c(), g.outH(x.h()), g.outW(x.w())));
    }

    @Override
    public Act<Tensor> avgPool(Act<Tensor> x, Window g, boolean countPadding) {
        Tensor in = x.v();
        long padH = g.padTop(), padW = g.padLeft();
        if (!g.symmetric()) {
            if (!countPadding) {
                throw new IllegalArgumentException("Average pooling with asymmetric padding that is not counted in "
                        + "the divisor is not supported: " + g);
            }
            in = torch.constant_pad_nd(in, new long[]{g.padLeft(), g.padRight(), g.padTop(), g.padBottom()}, scalar(0));
            padH = 0;
            padW = 0;
        }
        Tensor y = torch.avg_pool2d(in, new long[]{g.kh(), g.kw()}, new long[]{g.sh(), g.sw()}, new long[]{padH, padW},
                false, countPadding, new org.bytedeco.pytorch.LongOptional());
        return counted(new Act<>(y, x.c(), g.outH(x.h()), g.outW(x.w())));
    }

    @Override
    public Act<Tensor> pad(Act<Tensor> x, Window g, boolean edge) {
        long[] p = {g.padLeft(), g.padRight(), g.padTop(), g.padBottom()};
        Tensor y = edge ? torch.replication_pad2d(x.v(), p) : torch.constant_pad_nd(x.v(), p, scalar(0));
        return counted(new Act<>(y, x.c(), x.h() + g.padTop() + g.padBottom(), x.w() + g.padLeft() + g.padRight()));
    }

    @Override
    protected Act<Tensor> leakyReluOp(Act<Tensor> x, double alpha) {
        return counted(x.like(torch.leaky_relu(x.v(), scalar(alpha))));
    }

    @Override
    protected Act<Tensor> sigmoidOp(Act<Tensor> x) {
        return counted(x.like(x.v().sigmoid()));
    }

    @Override
    protected Act<Tensor> clipOp(Act<Tensor> x, double lo, double hi) {
        return counted(x.like(x.v().clamp(new ScalarOptional(scalar(lo)), new ScalarOptional(scalar(hi)))));
    }

    @Override
    protected Act<Tensor> hardSigmoidOp(Act<Tensor> x, double alpha, double beta) {
        Tensor z = x.v().mul(scalar(alpha)).add(scalar(beta));
        return counted(x.like(z.clamp(new ScalarOptional(scalar(0)), new ScalarOptional(scalar(1)))));
    }

    @Override
    public Act<Tensor> mul(Act<Tensor> a, Act<Tensor> b) {
        return counted(broadcast(a.v().mul(b.v()), a, b));
    }

    private static Act<Tensor> broadcast(Tensor v, Act<Tensor> a, Act<Tensor> b) {
        return new Act<>(v, Math.max(a.c(), b.c()), Math.max(a.h(), b.h()), Math.max(a.w(), b.w()),
                Math.max(a.rank(), b.rank()));
    }

    @Override
    public Act<Tensor> withConstant(Act<Tensor> x, float[] value, long[] shape, boolean multiply) {
        Tensor c = constantTensor(value, shape);
        return counted(x.like(multiply ? x.v().mul(c) : x.v().add(c)));
    }

    @Override
    public Act<Tensor> concat(List<Act<Tensor>> parts) {
        Act<Tensor> first = parts.get(0);
        TensorVector vs = new TensorVector();
        int c = 0;
        for (Act<Tensor> a : parts) {
            if (a.h() != first.h() || a.w() != first.w()) {
                throw new IllegalStateException("Concatenated shapes differ: " + a + " vs " + first);
            }
            c += a.c();
            vs.push_back(a.v());
        }
        return counted(new Act<>(torch.cat(vs, 1), c, first.h(), first.w(), first.rank()));
    }

    @Override
    public Act<Tensor> reshape(Act<Tensor> x, int c, int h, int w) {
        if ((long) c * h * w != x.size()) {
            throw new IllegalStateException("Cannot reshape " + x + " to " + c + "×" + h + "×" + w);
        }
        return counted(new Act<>(x.v().reshape(-1, c, h, w), c, h, w));
    }

    @Override
    public Act<Tensor> add(Act<Tensor> a, Act<Tensor> b) {
        if (a.c() != b.c() || a.h() != b.h() || a.w() != b.w()) {
            throw new IllegalStateException("Residual shapes differ: " + a + " vs " + b);
        }
        return counted(a.like(a.v().add(b.v())));
    }

    @Override
    public Act<Tensor> addBroadcast(Act<Tensor> a, Act<Tensor> b) {
        return counted(broadcast(a.v().add(b.v()), a, b));
    }

    @Override
    public Act<Tensor> globalAvgPool(Act<Tensor> x) {
        return counted(Act.flat(x.v().mean(new long[]{2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional()), x.c()));
    }

    @Override
    public Act<Tensor> globalAvgPoolKeepDims(Act<Tensor> x) {
        return counted(new Act<>(x.v().mean(new long[]{2, 3}, true, new org.bytedeco.pytorch.ScalarTypeOptional()), x.c(), 1, 1));
    }

    @Override
    public Act<Tensor> flatten(Act<Tensor> x) {
        return counted(Act.flat(x.v().reshape(-1, x.size()), (int) x.size()));
    }

    @Override
    public Act<Tensor> globalMaxPool(Act<Tensor> x) {
        return counted(Act.flat(x.v().amax(new long[]{2, 3}, false), x.c()));
    }

    @Override
    public Act<Tensor> dense(String name, Act<Tensor> x, int out, boolean bias) {
        int in = (int) x.size();
        io.noiselens.model.Tensor[] p = denseParams(name, in, out, bias);
        Tensor w = parameter(new Direct(p[0].name(), p[0].name()), p[0].shape(), null, in, out);
        Tensor b = p[1] == null ? null : parameter(new Direct(p[1].name(), p[1].name()), p[1].shape(), null, out);
        Tensor y = linearOutput(name, x, w, b, (input, kernel, bv) -> bv == null ? input.matmul(kernel)
                : input.matmul(kernel).add(bv), true);
        return named(name, counted(Act.flat(y, out)));
    }

    // ---- General tensors (transformer-era ONNX graphs).

    @Override
    public Tensor constant(String name, float[] values, long[] shape) {
        return bound.computeIfAbsent("constant:" + name, k -> {
            Tensor t = constantTensor(values, shape);
            t.retainReference();
            return t;
        });
    }

    private Tensor constantTensor(float[] values, long[] shape) {
        return precise(shape.length == 0 ? Torch.tensor(values, 1).reshape() : Torch.tensor(values, shape));
    }

    @Override
    public Tensor tensor(String param) {
        io.noiselens.model.Tensor t = params().get(param);
        if (t == null) throw new IllegalArgumentException("The weights have no parameter '" + param + "'");
        return parameter(new Direct(param, param), t.shape(), null, t.shape());
    }

    @Override
    public Tensor linear(String name, Tensor x, Dims to, int in, int out, boolean bias, long perImage) {
        io.noiselens.model.Tensor[] p = denseParams(name, in, out, bias);
        Tensor y = x.matmul(parameter(new Direct(p[0].name(), p[0].name()), p[0].shape(), null, in, out));
        if (p[1] != null) y = y.add(parameter(new Direct(p[1].name(), p[1].name()), p[1].shape(), null, out));
        return namedTensor(name, y, perImage);
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        return a.matmul(b);
    }

    @Override
    public Tensor binary(Binary op, Tensor a, Tensor b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case POW -> torch.pow(a, b);
        };
    }

    @Override
    public Tensor unary(Unary op, Tensor x) {
        return switch (op) {
            case ERF -> torch.erf(x);
            case SQRT -> x.sqrt();
            case EXP -> x.exp();
            case TANH -> x.tanh();
            case NEG -> x.neg();
            case ABS -> x.abs();
            case RECIPROCAL -> torch.reciprocal(x);
            case RELU -> softplusBeta > 0 ? torch.softplus(x, scalar(softplusBeta), scalar(20)) : x.relu();
            case SIGMOID -> x.sigmoid();
            case GELU -> torch.gelu(x, "none");
            case GELU_TANH -> torch.gelu(x, "tanh");
            case SIGN -> x.sign();
        };
    }

    @Override
    public Tensor softmax(Tensor x, int axis) {
        return torch.softmax(x, axis);
    }

    @Override
    public Tensor reduceMean(Tensor x, int[] axes, boolean keep) {
        long[] a = new long[axes.length];
        for (int i = 0; i < a.length; i++) a[i] = axes[i];
        return x.mean(a, keep, new org.bytedeco.pytorch.ScalarTypeOptional());
    }

    @Override
    public Tensor layerNorm(Tensor x, int rank, int axis, Tensor gamma, Tensor beta, double eps) {
        long[] shape = x.shape();
        long[] normalized = java.util.Arrays.copyOfRange(shape, axis, shape.length);
        return torch.layer_norm(x, normalized, new TensorOptional(gamma), beta == null ? new TensorOptional()
                : new TensorOptional(beta), eps, false);
    }

    @Override
    public Tensor transpose(Tensor x, int[] perm) {
        long[] p = new long[perm.length];
        for (int i = 0; i < p.length; i++) p[i] = perm[i];
        return x.permute(p);
    }

    @Override
    public Tensor reshape(Tensor x, Dims to) {
        return x.reshape(to.at(batch));
    }

    @Override
    public Tensor expand(Tensor x, Dims to) {
        return x.expand(to.at(batch));
    }

    @Override
    public Tensor gather(Tensor x, Dims dims, int axis, long[] index, long[] indexShape) {
        Tensor picked = torch.index_select(x, axis, Torch.longs(index, index.length));
        long[] in = x.shape();
        long[] out = new long[in.length - 1 + indexShape.length];
        System.arraycopy(in, 0, out, 0, axis);
        System.arraycopy(indexShape, 0, out, axis, indexShape.length);
        System.arraycopy(in, axis + 1, out, axis + indexShape.length, in.length - axis - 1);
        return picked.reshape(out);
    }

    @Override
    public Tensor slice(Tensor x, Dims in, int axis, long start, long end, long step) {
        long d = x.size(axis);
        long[] picks = Dims.sliceIndices(d, start, end, step);
        if (step > 0) {
            long from = picks.length == 0 ? 0 : picks[0];
            return torch.slice(x, axis, new org.bytedeco.pytorch.LongOptional(from),
                    new org.bytedeco.pytorch.LongOptional(picks.length == 0 ? 0 : picks[picks.length - 1] + 1), step);
        }
        return torch.index_select(x, axis, Torch.longs(picks, picks.length));
    }

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        TensorVector vs = new TensorVector();
        for (Tensor t : parts) vs.push_back(t);
        return torch.cat(vs, axis);
    }

    @Override
    public Tensor pad(Tensor x, long[] pads, double value) {
        int r = pads.length / 2;
        long[] p = new long[pads.length];   // torch orders pads from the last axis: (last begin, last end, …)
        for (int i = 0; i < r; i++) {
            p[2 * i] = pads[r - 1 - i];
            p[2 * i + 1] = pads[2 * r - 1 - i];
        }
        return torch.constant_pad_nd(x, p, scalar(value));
    }
}
