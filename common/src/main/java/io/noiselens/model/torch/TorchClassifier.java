package io.noiselens.model.torch;

import io.noiselens.model.ClassifierModel;
import io.noiselens.model.LayerProbe;
import io.noiselens.model.ModifiedGradient;
import io.noiselens.model.Rescale;
import io.noiselens.model.Layers;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.OutputSpace;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A classifier on the torch engine: the model's {@link io.noiselens.model.Architecture} run eagerly on libtorch
 * ({@link TorchLayers}), logits under {@link NoGradGuard}, input gradients by autograd with the parameters not
 * requiring gradients. The score of row i is the logit, softmax probability or log-probability of class
 * {@code targets[i]} as {@code spaces[i]} says (one backward pass for the batch: rows are independent). A parameter
 * set becomes torch tensors once ({@link #setWeights} replaces them, as weight-noise replicas do). Each call's
 * intermediate tensors live in a {@link PointerScope} and are freed when it returns. Not thread-safe.
 */
public final class TorchClassifier implements ClassifierModel {
    private final ModelSpec spec;
    private ModelWeights weights;
    private final Map<String, Tensor> bound = new HashMap<>();
    private final long activationFloats;
    private final double softplusBeta;
    private final boolean float64;
    /** Modified Jacobians every pass is built with (null: none). */
    private final ModifiedGradient modified;
    /** Models of {@link #relevance}, one per rule set, made on first use. */
    private final Map<ModifiedGradient, TorchClassifier> relevanceModels = new HashMap<>();

    public TorchClassifier(ModelSpec spec, ModelWeights weights) {
        this(spec, weights, 0, false, null);
    }

    /** The model computed in float64 (inputs, parameters and constants; results returned as float32): the tight reference path of the tests. */
    public static TorchClassifier float64(ModelSpec spec, ModelWeights weights) {
        return new TorchClassifier(spec, weights, 0, true, null);
    }

    private TorchClassifier(ModelSpec spec, ModelWeights weights, double softplusBeta, boolean float64,
                            ModifiedGradient modified) {
        this.spec = spec;
        this.modified = modified;
        this.weights = weights;
        this.softplusBeta = softplusBeta;
        this.float64 = float64;
        this.activationFloats = shapesOfOneImage(l -> l.activationFloatsPerImage());
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    private Layers.Act<Tensor> forward(Tensor x) {
        return eager(x).output();
    }

    /** One eager pass over {@code x}: its layers (named outputs, activation count) and the logits. */
    private record EagerPass(TorchLayers layers, Layers.Act<Tensor> output) {}

    private EagerPass eager(Tensor x) {
        TorchLayers l = new TorchLayers(weights, bound, float64);
        l.softplus(softplusBeta);
        l.modifiedGradient(modified);
        if (modified instanceof Rescale) {
            spec.network().define(l, l.referenceInput(spec.channels(), spec.height(), spec.width()), spec);
            l.startInputPass();
        }
        return new EagerPass(l, spec.network().define(l, l.input(x, spec.channels(), spec.height(), spec.width()), spec));
    }

    /** What one pass over a zero image shows of the layers (their sizes), without gradients. */
    private <R> R shapesOfOneImage(java.util.function.Function<TorchLayers, R> read) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor zero = Torch.zeros(1, spec.channels(), spec.height(), spec.width());
            return read.apply(eager(float64 ? zero.to(torch.ScalarType.Double) : zero).layers());
        }
    }

    @Override
    public INDArray logits(INDArray input) {
        spec.batchOf(input.shape());
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return Torch.array(forward(in(input)).v());
        }
    }

    @Override
    public INDArray inputGradients(INDArray input, int[] targets, OutputSpace[] spaces) {
        return pass(input, targets, spaces, false).gradients();
    }

    @Override
    public Pass logitsAndInputGradients(INDArray input, int[] targets, OutputSpace[] spaces) {
        return pass(input, targets, spaces, true);
    }

    private Pass pass(INDArray input, int[] targets, OutputSpace[] spaces, boolean withLogits) {
        int n = spec.batchOf(input.shape());
        spec.checkTargets(n, targets, spaces);
        try (PointerScope scope = new PointerScope()) {
            Tensor x = in(input).set_requires_grad(true);
            Tensor logits = forward(x).v();
            score(logits, targets, spaces).backward();
            return new Pass(withLogits ? Torch.array(logits.detach()) : null, Torch.array(x.grad()));
        }
    }

    /** Σ_i score_i: row i's logit, softmax probability or log-probability of class targets[i] as spaces[i] says. */
    private Tensor score(Tensor logits, int[] targets, OutputSpace[] spaces) {
        int n = targets.length, k = spec.numClasses();
        float[][] select = new float[3][n * k];
        for (int i = 0; i < n; i++) select[spaces[i].ordinal()][i * k + targets[i]] = 1;
        return torch.sum(logits.mul(Torch.tensor(select[OutputSpace.LOGIT.ordinal()], n, k)))
                .add(torch.sum(torch.softmax(logits, 1).mul(Torch.tensor(select[OutputSpace.PROBABILITY.ordinal()], n, k))))
                .add(torch.sum(torch.log_softmax(logits, 1).mul(Torch.tensor(select[OutputSpace.LOG_PROBABILITY.ordinal()], n, k))));
    }

    /** One eager pass with the layer's activation kept for its gradient ({@code retain_grad}). */
    @Override
    public LayerGradients layerGradients(String layer, INDArray input, int[] targets, OutputSpace[] spaces) {
        int n = spec.batchOf(input.shape());
        spec.checkTargets(n, targets, spaces);
        try (PointerScope scope = new PointerScope()) {
            Tensor x = in(input).set_requires_grad(true);
            EagerPass p = eager(x);
            Tensor a = p.layers().output(layer).v();
            a.retain_grad();
            score(p.output().v(), targets, spaces).backward();
            return new LayerGradients(LayerProbe.split(Torch.floats(a.detach()), n), LayerProbe.split(Torch.floats(a.grad()), n));
        }
    }

    @Override
    public ClassifierModel smoothed(double beta) {
        return new TorchClassifier(spec, weights, beta, float64, null);
    }

    /** The input gradient of the same network built with the rules, current weights (one eager pass). */
    @Override
    public INDArray relevance(ModifiedGradient p, INDArray input, int[] targets, OutputSpace[] spaces) {
        TorchClassifier m = relevanceModels.computeIfAbsent(p, k -> new TorchClassifier(spec, weights, 0, float64, k));
        if (m.weights != weights) m.setWeights(weights);
        return m.inputGradients(input, targets, spaces);
    }

    @Override
    public ModelWeights weights() {
        return weights;
    }

    @Override
    public void setWeights(ModelWeights w) {
        release();
        this.weights = w;
    }

    /**
     * A probe at {@code layer} on this engine: features under {@link NoGradGuard}, vector–Jacobian products by one
     * backward pass from Σ v ⊙ F_ℓ. (The eager pass runs the whole network, also past ℓ.)
     */
    @Override
    public LayerProbe probe(String layer) {
        int featureSize = shapesOfOneImage(l -> (int) l.output(layer).size());
        return new LayerProbe() {
            @Override
            public String layer() {
                return layer;
            }

            @Override
            public int featureSize() {
                return featureSize;
            }

            @Override
            public float[][] features(List<float[]> inputs) {
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    return LayerProbe.split(Torch.floats(at(layer, stack(inputs)).v()), inputs.size());
                }
            }

            @Override
            public float[][] vectorJacobian(List<float[]> inputs, List<float[]> v) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor x = stack(inputs).set_requires_grad(true);
                    Tensor f = at(layer, x).v();
                    torch.sum(f.reshape(-1, featureSize).mul(Torch.tensor(LayerProbe.concat(v), v.size(), featureSize)))
                            .backward();
                    return LayerProbe.split(Torch.floats(x.grad()), inputs.size());
                }
            }

            @Override
            public void close() {
                // nothing of its own: the parameter tensors are the classifier's
            }
        };
    }

    /** The activation of {@code layer} in one eager pass over {@code x}. */
    private Layers.Act<Tensor> at(String layer, Tensor x) {
        return eager(x).layers().output(layer);
    }

    /** The model input as a tensor in this model's precision. */
    private Tensor in(INDArray input) {
        Tensor t = Torch.tensor(input);
        return float64 ? t.to(torch.ScalarType.Double) : t;
    }

    private Tensor stack(List<float[]> inputs) {
        return Torch.tensor(LayerProbe.concat(inputs), inputs.size(), spec.channels(), spec.height(), spec.width());
    }

    @Override
    public long activationFloatsPerImage() {
        return activationFloats;
    }

    private void release() {
        for (Tensor t : bound.values()) t.releaseReference();
        bound.clear();
    }

    @Override
    public void close() {
        for (TorchClassifier m : relevanceModels.values()) m.close();
        relevanceModels.clear();
        release();
    }
}
