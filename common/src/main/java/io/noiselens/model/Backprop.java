package io.noiselens.model;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DeConv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DepthwiseConv2DBp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2DDerivative;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reverse pass of a {@link Layers} graph for the input alone, written into the same graph as ordinary forward
 * ops, so that one inference call returns the logits and ∂score/∂input together.
 *
 * <p>Why not SameDiff's autodiff: with frozen weights a framework needs only the vector–Jacobian product through
 * each layer's input (PyTorch skips parameter gradients when {@code requires_grad} is off), but SameDiff M2.1's
 * {@code conv2d_bp} always computes ∂/∂W and ∂/∂b as well, which doubles the cost of every convolution's backward
 * step. Here a convolution's input gradient is the transposed convolution of the upstream gradient with the same
 * kernel (Dumoulin &amp; Visin 2016, "A guide to convolution arithmetic", §4): {@code deconv2d} with the
 * [kH, kW, Cin, Cout] kernel read as [kH, kW, oC, iC], cropped to the input's rows and columns. Pooling, ReLU and
 * depthwise steps use libnd4j's own {@code *_bp} kernels, so they agree with autodiff exactly; element-wise,
 * broadcasting, concatenation and reshaping steps are the textbook rules.
 *
 * <p>Each layer records its rule as it is built ({@link #record}); {@link #gradient} walks the records in reverse
 * creation order (a topological order, since an op is created after its inputs) and sums the gradients of
 * activations that feed several ops (residual branches). The same pass gives vector–Jacobian products from any
 * layer (DANCE's representation constraint, {@link LayerProbe}).
 */
final class Backprop {
    /** A layer's reverse rule: given ∂score/∂output, adds the contributions to its inputs' gradients. */
    interface Rule {
        void apply(SDVariable gradOut, Backprop into);
    }

    private record Step(String output, Rule rule) {}

    private final SameDiff sd;
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, SDVariable> grads = new HashMap<>();

    Backprop(SameDiff sd) {
        this.sd = sd;
    }

    void record(SDVariable output, Rule rule) {
        steps.add(new Step(output.name(), rule));
    }

    /** Adds {@code g} to the gradient of activation {@code x}. */
    void add(SDVariable x, SDVariable g) {
        grads.merge(x.name(), g, SDVariable::add);
    }

    /**
     * ∂/∂input of Σ seed ⊙ {@code at}: the reverse pass from activation {@code at}, seeded with {@code seed} (same
     * shape), down to {@code input}. Call once per graph.
     */
    SDVariable gradient(SDVariable input, SDVariable at, SDVariable seed) {
        grads.clear();
        grads.put(at.name(), seed);
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step s = steps.get(i);
            SDVariable g = grads.remove(s.output());
            if (g != null) s.rule().apply(g, this);
        }
        SDVariable g = grads.get(input.name());
        if (g == null) throw new IllegalStateException("The output does not depend on the input '" + input.name() + "'");
        return g;
    }

    /**
     * ∂/∂{@code layer} of Σ seed ⊙ {@code at}: the reverse walk of {@link #gradient} up to the layer's own step, when
     * every consumer of the layer has added its part. Call once per graph.
     */
    SDVariable gradientAt(SDVariable layer, SDVariable at, SDVariable seed) {
        grads.clear();
        grads.put(at.name(), seed);
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step s = steps.get(i);
            if (s.output().equals(layer.name())) break;
            SDVariable g = grads.remove(s.output());
            if (g != null) s.rule().apply(g, this);
        }
        SDVariable g = grads.get(layer.name());
        if (g == null) throw new IllegalStateException("The output does not depend on layer '" + layer.name() + "'");
        return g;
    }

    // ---- rules shared by several layers ----

    /**
     * Input gradient of a dense convolution (groups 1, symmetric padding {@code cg}, no dilation) from its output
     * gradient: the transposed convolution, over the padded input's full extent (out − 1)·s + k, then cut to the
     * input rows and columns [pad, pad + in). Rows that no window reached (a stride that does not divide the input)
     * get zero.
     */
    SDVariable convInput(SDVariable gradOut, SDVariable kernel, Layers.Window cg, int inH, int inW, int outH, int outW) {
        int fullH = (outH - 1) * cg.sh() + cg.kh(), fullW = (outW - 1) * cg.sw() + cg.kw();
        boolean exact = fullH - 2 * cg.padTop() == inH && fullW - 2 * cg.padLeft() == inW;
        DeConv2DConfig cfg = DeConv2DConfig.builder().kH(cg.kh()).kW(cg.kw()).sH(cg.sh()).sW(cg.sw())
                .pH(exact ? cg.padTop() : 0).pW(exact ? cg.padLeft() : 0).dH(1).dW(1).isSameMode(false)
                .dataFormat(DeConv2DConfig.NCHW).build();
        SDVariable g = new DeConv2D(sd, gradOut, kernel, null, cfg).outputVariable();
        if (exact) return g;
        g = cropOrExtend(g, 2, cg.padTop(), inH, fullH);
        return cropOrExtend(g, 3, cg.padLeft(), inW, fullW);
    }

    /** Positions [start, start + size) of axis {@code axis} (length {@code length}), zeros past the end. */
    private SDVariable cropOrExtend(SDVariable v, int axis, int start, int size, int length) {
        int take = Math.min(length, start + size) - start;
        if (start != 0 || take != length) v = v.get(range(4, axis, start, start + take));
        if (take == size) return v;
        int[][] pads = new int[4][2];
        pads[axis][1] = size - take;
        return sd.nn().pad(v, sd.constant(Nd4j.createFromArray(pads)), 0.0);
    }

    SDVariable depthwiseInput(SDVariable input, SDVariable kernel, SDVariable gradOut, Conv2DConfig cfg) {
        return new DepthwiseConv2DBp(sd, input, kernel, gradOut, cfg).outputVariables()[0];
    }

    SDVariable poolInput(SDVariable input, SDVariable gradOut, Pooling2DConfig cfg) {
        return new Pooling2DDerivative(sd, new SDVariable[]{input, gradOut}, cfg).outputVariable();
    }

    /**
     * The gradient of a padded activation (axis {@code axis}, {@code before} + size + {@code after}) with respect to
     * the unpadded one: the interior, plus, for edge padding, the gradients of the copies summed into the first and
     * last rows.
     */
    SDVariable unpad(SDVariable g, int axis, int size, int before, int after, boolean edge) {
        if (before == 0 && after == 0) return g;
        SDVariable interior = g.get(range(4, axis, before, before + size));
        if (!edge) return interior;
        if (before > 0) interior = interior.add(spread(g.get(range(4, axis, 0, before)).sum(true, axis), axis, 0, size - 1));
        if (after > 0) {
            SDVariable tail = g.get(range(4, axis, before + size, before + size + after)).sum(true, axis);
            interior = interior.add(spread(tail, axis, size - 1, 0));
        }
        return interior;
    }

    /** A one-row slab placed in a zero array of rows {@code before} + 1 + {@code after} along {@code axis}. */
    private SDVariable spread(SDVariable row, int axis, int before, int after) {
        if (before == 0 && after == 0) return row;
        int[][] pads = new int[4][2];
        pads[axis][0] = before;
        pads[axis][1] = after;
        return sd.nn().pad(row, sd.constant(Nd4j.createFromArray(pads)), 0.0);
    }

    /**
     * {@code g} summed over the axes where {@code target} was broadcast (size 1 against the output's size), then
     * given {@code target}'s shape: the gradient of one operand of a broadcasting element-wise op.
     */
    SDVariable reduceTo(SDVariable g, Layers.Act<SDVariable> target, Layers.Act<SDVariable> out) {
        int[] t = {target.c(), target.h(), target.w()}, o = {out.c(), out.h(), out.w()};
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < 3; i++) if (t[i] == 1 && o[i] > 1) axes.add(i + 1);
        if (axes.isEmpty()) return g;
        return sd.reshape(g.sum(true, axes.stream().mapToInt(Integer::intValue).toArray()), target.v().shape());
    }

    /** Channels [from, to) of an NCHW (or [n, C]) activation. */
    static SDIndex[] channels(int rank, int from, int to) {
        return range(rank, 1, from, to);
    }

    /** Positions [from, to) of axis {@code axis} of a rank-{@code rank} array, every position of the other axes. */
    static SDIndex[] range(int rank, int axis, int from, int to) {
        SDIndex[] idx = new SDIndex[rank];
        java.util.Arrays.fill(idx, SDIndex.all());
        idx[axis] = SDIndex.interval(from, to);
        return idx;
    }
}
