package io.noiselens.model.torch;

import io.noiselens.lang.Errors;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.LayerProbe;
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

    public TorchClassifier(ModelSpec spec, ModelWeights weights) {
        this.spec = spec;
        this.weights = weights;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            TorchLayers l = new TorchLayers(weights, bound);
            spec.network().define(l, l.input(torch.zeros(1, spec.channels(), spec.height(), spec.width()),
                    spec.channels(), spec.height(), spec.width()), spec);
            this.activationFloats = l.activationFloatsPerImage();
        }
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    private Layers.Act<Tensor> forward(Tensor x) {
        TorchLayers l = new TorchLayers(weights, bound);
        return spec.network().define(l, l.input(x, spec.channels(), spec.height(), spec.width()), spec);
    }

    @Override
    public INDArray logits(INDArray input) {
        checkInput(input);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return Torch.array(forward(Torch.tensor(input)).v());
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
        int n = checkInput(input);
        if (targets.length != n || spaces.length != n) {
            throw new IllegalArgumentException("Need one target and one output space per row: " + n + " rows, "
                    + targets.length + " targets, " + spaces.length + " spaces");
        }
        int k = spec.numClasses();
        float[][] select = new float[3][n * k];
        for (int i = 0; i < n; i++) {
            if (targets[i] < 0 || targets[i] >= k) {
                throw new IllegalArgumentException("Target class " + targets[i] + " outside [0, " + k + ")");
            }
            select[spaces[i].ordinal()][i * k + targets[i]] = 1;
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Torch.tensor(input).set_requires_grad(true);
            Tensor logits = forward(x).v();
            Tensor score = torch.sum(logits.mul(Torch.tensor(select[OutputSpace.LOGIT.ordinal()], n, k)))
                    .add(torch.sum(torch.softmax(logits, 1).mul(Torch.tensor(select[OutputSpace.PROBABILITY.ordinal()], n, k))))
                    .add(torch.sum(torch.log_softmax(logits, 1).mul(
                            Torch.tensor(select[OutputSpace.LOG_PROBABILITY.ordinal()], n, k))));
            score.backward();
            return new Pass(withLogits ? Torch.array(logits.detach()) : null, Torch.array(x.grad()));
        }
    }

    private int checkInput(INDArray input) {
        long[] s = input.shape();
        if (s.length != 4 || s[1] != spec.channels() || s[2] != spec.height() || s[3] != spec.width()) {
            throw Errors.shapeMismatch("model input", String.format("[n, %d, %d, %d]", spec.channels(), spec.height(),
                    spec.width()), java.util.Arrays.toString(s));
        }
        return (int) s[0];
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
        int featureSize;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            TorchLayers l = new TorchLayers(weights, bound);
            spec.network().define(l, l.input(torch.zeros(1, spec.channels(), spec.height(), spec.width()),
                    spec.channels(), spec.height(), spec.width()), spec);
            featureSize = (int) l.output(layer).size();
        }
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
                    return rows(Torch.floats(at(layer, stack(inputs)).v()), inputs.size());
                }
            }

            @Override
            public float[][] vectorJacobian(List<float[]> inputs, List<float[]> v) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor x = stack(inputs).set_requires_grad(true);
                    float[] w = new float[v.size() * featureSize];
                    for (int i = 0; i < v.size(); i++) System.arraycopy(v.get(i), 0, w, i * featureSize, featureSize);
                    Tensor f = at(layer, x).v();
                    torch.sum(f.reshape(-1, featureSize).mul(Torch.tensor(w, v.size(), featureSize))).backward();
                    return rows(Torch.floats(x.grad()), inputs.size());
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
        TorchLayers l = new TorchLayers(weights, bound);
        spec.network().define(l, l.input(x, spec.channels(), spec.height(), spec.width()), spec);
        return l.output(layer);
    }

    private Tensor stack(List<float[]> inputs) {
        int size = spec.inputSize();
        float[] buf = new float[inputs.size() * size];
        for (int i = 0; i < inputs.size(); i++) System.arraycopy(inputs.get(i), 0, buf, i * size, size);
        return Torch.tensor(buf, inputs.size(), spec.channels(), spec.height(), spec.width());
    }

    private static float[][] rows(float[] flat, int n) {
        int width = flat.length / n;
        float[][] out = new float[n][];
        for (int r = 0; r < n; r++) out[r] = java.util.Arrays.copyOfRange(flat, r * width, (r + 1) * width);
        return out;
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
        release();
    }
}
