package io.noiselens.model.torch;

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

    /**
     * @param weights the parameter view (every parameter the architecture needs)
     * @param bound   the torch tensors of the bindings already made for these weights, filled as layers ask; the
     *                caller owns them (they outlive this pass)
     */
    public TorchLayers(ModelWeights weights, Map<String, Tensor> bound) {
        super(asMap(weights), null, true);
        this.values = b -> value(weights, b);
        this.bound = bound;
    }

    private static Map<String, io.noiselens.model.Tensor> asMap(ModelWeights w) {
        Map<String, io.noiselens.model.Tensor> m = new java.util.LinkedHashMap<>();
        for (io.noiselens.model.Tensor t : w.tensors()) m.put(t.name(), t);
        return m;
    }

    /** The input activation [n, C, H, W]. */
    public Act<Tensor> input(Tensor x, int c, int h, int w) {
        return counted(new Act<>(x, c, h, w));
    }

    /** The tensor of {@code b} in torch's layout {@code shape} (made from its values, permuted by {@code perm}). */
    private Tensor parameter(Binding b, long[] ourShape, long[] perm, long... shape) {
        return bound.computeIfAbsent(b.graphName(), k -> {
            try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
                Tensor t = Torch.tensor(values.apply(b), ourShape);
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
        TensorOptional b = p.bias() == null ? new TensorOptional()
                : new TensorOptional(parameter(p.bias(), new long[]{cout}, null, cout));
        Tensor in = x.v();
        long padH = g.padTop(), padW = g.padLeft();
        if (!g.symmetric()) {
            in = torch.constant_pad_nd(in, new long[]{g.padLeft(), g.padRight(), g.padTop(), g.padBottom()}, scalar(0));
            padH = 0;
            padW = 0;
        }
        Tensor y = torch.conv2d(in, w, b, new long[]{g.sh(), g.sw()}, new long[]{padH, padW},
                new long[]{g.dh(), g.dw()}, g.groups());
        return named(name, counted(new Act<>(y, cout, g.outH(x.h()), g.outW(x.w()))));
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
    public Act<Tensor> relu(Act<Tensor> x) {
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
    public Act<Tensor> leakyRelu(Act<Tensor> x, double alpha) {
        return counted(x.like(torch.leaky_relu(x.v(), scalar(alpha))));
    }

    @Override
    public Act<Tensor> sigmoid(Act<Tensor> x) {
        return counted(x.like(x.v().sigmoid()));
    }

    @Override
    public Act<Tensor> clip(Act<Tensor> x, double lo, double hi) {
        return counted(x.like(x.v().clamp(new ScalarOptional(scalar(lo)), new ScalarOptional(scalar(hi)))));
    }

    @Override
    public Act<Tensor> hardSigmoid(Act<Tensor> x, double alpha, double beta) {
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
        Tensor c = shape.length == 0 ? Torch.tensor(value, 1).reshape() : Torch.tensor(value, shape);
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
        Tensor y = x.v().matmul(w);
        if (p[1] != null) y = y.add(parameter(new Direct(p[1].name(), p[1].name()), p[1].shape(), null, out));
        return named(name, counted(Act.flat(y, out)));
    }
}
