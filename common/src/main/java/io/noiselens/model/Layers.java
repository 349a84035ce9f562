package io.noiselens.model;

import io.noiselens.noise.KeyedRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
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
    private double softplusBeta;
    /** An activation with its channel count and spatial size (for shape checks and the memory estimate). */
    public record Act(SDVariable v, int c, int h, int w) {
        public long size() {
            return (long) c * h * w;
        }
    }

    /** How one graph variable gets its value from the parameter view. */
    public sealed interface Binding permits Direct, FoldedConv {
        String graphName();
    }

    /** The graph variable is the parameter as it is. */
    public record Direct(String graphName, String param) implements Binding {}

    /** Convolution weights or bias folded with the BatchNorm that follows the convolution. */
    public record FoldedConv(String graphName, boolean isBias, String weight, String bias, String gamma,
                             String beta, String mean, String var, double eps) implements Binding {}

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
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public Act input(String name, int c, int h, int w) {
        SDVariable in = sd.placeHolder(name, dataType, -1, c, h, w);
        return track(new Act(in, c, h, w));
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
        long[] wShape = {k, k, x.c(), cout};
        Tensor w = param(name + ".weight", wShape, true, Init.HE, k * k * x.c());
        Tensor b = bias ? param(name + ".bias", new long[]{cout}, true, Init.ZERO, 0) : null;
        SDVariable wv, bv;
        if (batchNorm) {
            if (!allowBatchNorm) {
                throw new IllegalStateException("BatchNorm layer '" + name + "' cannot be trained by NoiseLens; "
                        + "train the model elsewhere and import it");
            }
            String g = param(name + ".bn.gamma", new long[]{cout}, true,
                    residualEnd ? Init.GAMMA_RESIDUAL : Init.GAMMA, 0).name();
            String be = param(name + ".bn.beta", new long[]{cout}, true, Init.SMALL, 0).name();
            String m = param(name + ".bn.running_mean", new long[]{cout}, false, Init.SMALL, 0).name();
            String v = param(name + ".bn.running_var", new long[]{cout}, false, Init.VAR, 0).name();
            String bName = b == null ? null : b.name();
            wv = variable(new FoldedConv(name + ".weight.folded", false, w.name(), bName, g, be, m, v, BN_EPS), wShape);
            bv = variable(new FoldedConv(name + ".bias.folded", true, w.name(), bName, g, be, m, v, BN_EPS),
                    new long[]{cout});
        } else {
            wv = variable(new Direct(w.name(), w.name()), wShape);
            bv = b == null ? null : variable(new Direct(b.name(), b.name()), new long[]{cout});
        }
        Conv2DConfig cfg = Conv2DConfig.builder().kH(k).kW(k).sH(s).sW(s).pH(p).pW(p).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO).build();
        SDVariable out = bv == null ? sd.cnn().conv2d(x.v(), wv, cfg) : sd.cnn().conv2d(x.v(), wv, bv, cfg);
        int oh = (x.h() + 2 * p - k) / s + 1, ow = (x.w() + 2 * p - k) / s + 1;
        return named(name, track(new Act(out, cout, oh, ow)));
    }

    public Act relu(Act x) {
        if (softplusBeta > 0) {
            // softplus_β(x) = log(1 + exp(βx)) / β, a smooth ReLU whose second derivatives do not vanish, in the
            // overflow-free form max(z, 0) + log(1 + exp(−|z|)) with z = βx (SameDiff's softplus overflows).
            SDVariable z = x.v().mul(softplusBeta);
            SDVariable sp = sd.nn().relu(z, 0.0).add(sd.math().log(sd.math().exp(sd.math().abs(z).neg()).add(1.0)))
                    .div(softplusBeta);
            return track(new Act(sp, x.c(), x.h(), x.w()));
        }
        return track(new Act(sd.nn().relu(x.v(), 0.0), x.c(), x.h(), x.w()));
    }

    /**
     * Builds every ReLU as softplus with sharpness β instead (Ghorbani et al.'s surrogate for second-order
     * attacks); 0 keeps ReLU.
     */
    public Layers softplus(double beta) {
        this.softplusBeta = beta;
        return this;
    }

    /** Max pooling, kernel k, stride s, padding p (padded cells never win: inputs here follow a ReLU). */
    public Act maxPool(Act x, int k, int s, int p) {
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(k).kW(k).sH(s).sW(s).pH(p).pW(p).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).isNHWC(false).build();
        int oh = (x.h() + 2 * p - k) / s + 1, ow = (x.w() + 2 * p - k) / s + 1;
        return track(new Act(sd.cnn().maxPooling2d(x.v(), cfg), x.c(), oh, ow));
    }

    public Act add(Act a, Act b) {
        if (a.c() != b.c() || a.h() != b.h() || a.w() != b.w()) {
            throw new IllegalStateException("Residual shapes differ: " + a + " vs " + b);
        }
        return track(new Act(a.v().add(b.v()), a.c(), a.h(), a.w()));
    }

    /** Global average pooling to [n, C]. */
    public Act globalAvgPool(Act x) {
        return track(new Act(x.v().mean(2, 3), x.c(), 1, 1));
    }

    /** Flattens [n, C, H, W] to [n, C·H·W] in row-major order. */
    public Act flatten(Act x) {
        return track(new Act(x.v().reshape(-1, x.size()), (int) x.size(), 1, 1));
    }

    /** Global max pooling to [n, C]: a feature's strongest response anywhere in the image. */
    public Act globalMaxPool(Act x) {
        return track(new Act(x.v().max(2, 3), x.c(), 1, 1));
    }

    /** Fully connected layer on an [n, C] activation; returns [n, out]. */
    public Act dense(String name, Act x, int out) {
        int in = (int) x.size();
        Tensor w = param(name + ".weight", new long[]{in, out}, true, Init.LECUN, in);
        Tensor b = param(name + ".bias", new long[]{out}, true, Init.ZERO, 0);
        SDVariable wv = variable(new Direct(w.name(), w.name()), w.shape());
        SDVariable bv = variable(new Direct(b.name(), b.name()), b.shape());
        return named(name, track(new Act(x.v().mmul(wv).add(bv), out, 1, 1)));
    }

    /** Sets every graph variable from {@code w}, folding BatchNorm where the architecture has it. */
    public void assign(ModelWeights w) {
        for (Binding b : bindings) {
            float[] value = b instanceof Direct d ? w.get(d.param()).data() : fold(w, (FoldedConv) b);
            org.nd4j.linalg.api.ndarray.INDArray target = sd.getVariable(b.graphName()).getArr();
            if (target.length() != value.length) {
                throw new IllegalArgumentException("Parameter for '" + b.graphName() + "' has " + value.length
                        + " values, the graph expects " + target.length());
            }
            target.assign(Nd4j.createFromArray(value).reshape(target.shape()).castTo(dataType));
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

    private Act track(Act a) {
        activationFloats += a.size();
        return a;
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
