package io.noiselens.metrics.axiomatic;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Statistic;
import io.noiselens.metrics.randomisation.Mprt;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Input invariance (Kindermans et al., "The (Un)reliability of Saliency Methods", 2017/2019; Quantus
 * {@code InputInvariance}, METHODS-2.md §B.6): every input value is shifted by m = −1 and the model's first layer
 * absorbs the shift, so that f′(x + m) = f(x): its bias becomes b − W·m, or, for a convolution without bias followed
 * by BatchNorm, the running mean becomes μ + W·m (Quantus's {@code add_mean_shift_to_first_layer}). The method
 * re-explains x + m on f′ and the score is the fraction of map values that stay put, |a − a′| ≤ 10⁻⁴ + 10⁻⁵·|a′|
 * (NumPy's {@code isclose}); Quantus returns whether all do, i.e. whether the score is 1. Higher is better: the
 * gradient is invariant, Gradient × Input and zero-baseline Integrated Gradients are not. A zero-padded first
 * convolution pads x + m with zeros rather than m, so on such models the border outputs of f′ differ from f's and
 * even the gradient can move (as in Quantus); NaN when the first layer is neither a dense layer nor a convolution
 * over the input's channels.
 */
public final class InputInvariance implements Metric {
    static final float SHIFT = -1;
    static final double ATOL = 1e-4, RTOL = 1e-5;

    @Override
    public MetricInfo info() {
        return new MetricInfo("input_invariance", MetricCategory.AXIOMATIC, true, false, Map.of("input_shift", SHIFT,
                "absorbed_by", "first layer's bias, or its batch-norm running mean", "atol", ATOL, "rtol", RTOL,
                "score", "fraction of map values unchanged"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        Shifted s = ctx.get(Shifted.INSTANCE);
        if (s.problem() != null) return MetricValue.nan(s.problem());
        float[] a = ctx.item(i).map(), b = s.maps()[i];
        int same = 0;
        for (int j = 0; j < a.length; j++) if (Math.abs(a[j] - b[j]) <= ATOL + RTOL * Math.abs(b[j])) same++;
        return MetricValue.of((double) same / a.length);
    }

    /** The maps of x + m on the shifted model, or why the model cannot be shifted. */
    record Shifted(float[][] maps, String problem) {
        static final Statistic<Shifted> INSTANCE = ctx -> {
            ModelWeights shifted;
            try {
                shifted = absorbShift(ctx.weights(), ctx.spec().channels(), ctx.spec().inputSize(), SHIFT);
            } catch (IllegalArgumentException e) {
                return new Shifted(null, e.getMessage());
            }
            List<float[]> inputs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < ctx.size(); i++) {
                float[] x = ctx.item(i).input().clone();
                for (int j = 0; j < x.length; j++) x[j] += SHIFT;
                inputs.add(x);
                ids.add(ctx.item(i).id());
            }
            return new Shifted(ctx.reexplain(inputs, ids, ctx.targets(),
                    new MetricContext.Variant("input_invariance", false, shifted)), null);
        };
    }

    /**
     * The weights with the first layer absorbing a shift of every input value by {@code m}: per output unit o,
     * W·m = m Σ W[…, o] over the unit's inputs is subtracted from its bias or added to its BatchNorm running mean.
     */
    static ModelWeights absorbShift(ModelWeights weights, int channels, int inputSize, float m) {
        List<String> layers = Mprt.layersTopDown(weights);
        String first = layers.isEmpty() ? null : layers.get(layers.size() - 1);
        Tensor w = first == null || !weights.contains(first + ".weight") ? null : weights.get(first + ".weight");
        long[] shape = w == null ? null : w.shape();
        boolean conv = shape != null && shape.length == 4 && shape[2] == channels;
        boolean dense = shape != null && shape.length == 2 && shape[0] == inputSize;
        if (!conv && !dense) {
            throw new IllegalArgumentException("the model's first layer (" + first + ") is not a dense layer or a "
                    + "convolution over the input's " + channels + " channels: the shift cannot be absorbed");
        }
        int out = (int) shape[shape.length - 1];
        double[] wm = new double[out];
        float[] d = w.data();
        for (int k = 0; k < d.length; k++) wm[k % out] += (double) d[k] * m;   // the output axis is the last
        String target = weights.contains(first + ".bias") ? first + ".bias"
                : weights.contains(first + ".bn.running_mean") ? first + ".bn.running_mean" : null;
        if (target == null) {
            throw new IllegalArgumentException("the model's first layer (" + first + ") has neither a bias nor a "
                    + "BatchNorm to absorb the input shift");
        }
        double sign = target.endsWith(".bias") ? -1 : 1;
        List<Tensor> outTensors = new ArrayList<>();
        for (Tensor t : weights.tensors()) {
            if (!t.name().equals(target)) {
                outTensors.add(t);
                continue;
            }
            float[] v = t.data().clone();
            for (int o = 0; o < out; o++) v[o] = (float) (v[o] + sign * wm[o]);
            outTensors.add(t.withData(v));
        }
        return new ModelWeights(outTensors);
    }
}
