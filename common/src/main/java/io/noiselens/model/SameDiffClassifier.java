package io.noiselens.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link ClassifierModel} running as a SameDiff graph. The explained score is
 * {@code Σ onehot_logit ⊙ logits + Σ onehot_prob ⊙ softmax(logits)}, so one gradient function serves both output
 * spaces and rows of one batch may differ in space and target; the gradient is taken for the input placeholder
 * only (DESIGN.md §8: {@code createGradFunction("input")} then {@code calculateGradients}).
 */
public final class SameDiffClassifier implements ClassifierModel {
    public static final String INPUT = "input";
    private static final String TARGET_LOGIT = "target_logit";
    private static final String TARGET_PROB = "target_prob";
    private static final String TARGET_LOG_PROB = "target_log_prob";

    private final ModelSpec spec;
    private final DataType dataType;
    private final SameDiff sd;
    private final Layers layers;
    private final String logitsName;
    private final long activationFloats;
    private ModelWeights weights;

    private SameDiffClassifier(ModelSpec spec, ModelWeights weights, DataType dataType, double softplusBeta) {
        this.spec = spec;
        this.dataType = dataType;
        this.sd = SameDiff.create();
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Tensor t : weights.tensors()) params.put(t.name(), t);
        Layers l = new Layers(sd, dataType, params, null, true).softplus(softplusBeta);
        Layers.Act in = l.input(INPUT, spec.channels(), spec.height(), spec.width());
        Layers.Act out = spec.network().define(l, in, spec);
        if (out.size() != spec.numClasses()) {
            throw new IllegalArgumentException("Architecture " + spec.architecture() + " produced " + out.size()
                    + " outputs for " + spec.numClasses() + " classes");
        }
        SDVariable logits = out.v();
        this.logitsName = logits.name();
        SDVariable tl = sd.placeHolder(TARGET_LOGIT, dataType, -1, spec.numClasses());
        SDVariable tp = sd.placeHolder(TARGET_PROB, dataType, -1, spec.numClasses());
        SDVariable tlp = sd.placeHolder(TARGET_LOG_PROB, dataType, -1, spec.numClasses());
        // log-softmax spelled out: SameDiff M2.1's LogSoftMax op fails to clone when the gradient graph is built.
        SDVariable shifted = logits.sub(logits.max(true, 1));
        SDVariable logSoftmax = shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, 1)));
        SDVariable score = tl.mul(logits).sum().add(tp.mul(sd.nn().softmax(logits, 1)).sum())
                .add(tlp.mul(logSoftmax).sum());
        sd.setLossVariables(score);
        createGradFunctionQuietly(sd);
        this.layers = l;
        this.activationFloats = l.activationFloatsPerImage();
        setWeights(weights);
    }

    /**
     * SameDiff M2.1 prints "Added differentiated op …" to standard output for every op of a new gradient graph;
     * that would bury the job's own output, so standard output is muted while the graph is built.
     */
    static synchronized void createGradFunctionQuietly(SameDiff sd) {
        java.io.PrintStream original = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            sd.createGradFunction(INPUT);
        } finally {
            System.setOut(original);
        }
    }

    /** A float32 model, the production setting. */
    public static SameDiffClassifier create(ModelSpec spec, ModelWeights weights) {
        return new SameDiffClassifier(spec, weights, DataType.FLOAT, 0);
    }

    /**
     * The same model with every ReLU replaced by softplus of sharpness β: the smooth surrogate through which
     * explanation attacks differentiate the gradient (Ghorbani et al. 2019, METHODS.md §9.2).
     */
    public static SameDiffClassifier smoothed(ModelSpec spec, ModelWeights weights, double beta) {
        return new SameDiffClassifier(spec, weights, DataType.FLOAT, beta);
    }

    /** A model in the given precision (float64 serves as the finite-difference reference in tests). */
    public static SameDiffClassifier create(ModelSpec spec, ModelWeights weights, DataType dataType) {
        return new SameDiffClassifier(spec, weights, dataType, 0);
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public INDArray logits(INDArray input) {
        checkInput(input);
        return sd.outputSingle(Map.of(INPUT, input.castTo(dataType)), logitsName);
    }

    @Override
    public INDArray inputGradients(INDArray input, int[] targets, OutputSpace[] spaces) {
        checkInput(input);
        int n = (int) input.size(0);
        if (targets.length != n || spaces.length != n) {
            throw new IllegalArgumentException("Need one target and one output space per row: " + n + " rows, "
                    + targets.length + " targets, " + spaces.length + " spaces");
        }
        INDArray tl = Nd4j.zeros(dataType, n, spec.numClasses());
        INDArray tp = Nd4j.zeros(dataType, n, spec.numClasses());
        INDArray tlp = Nd4j.zeros(dataType, n, spec.numClasses());
        for (int i = 0; i < n; i++) {
            if (targets[i] < 0 || targets[i] >= spec.numClasses()) {
                throw new IllegalArgumentException("Target class " + targets[i] + " outside [0, "
                        + spec.numClasses() + ")");
            }
            (switch (spaces[i]) {
                case LOGIT -> tl;
                case PROBABILITY -> tp;
                case LOG_PROBABILITY -> tlp;
            }).putScalar(i, targets[i], 1.0);
        }
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(INPUT, input.castTo(dataType));
        ph.put(TARGET_LOGIT, tl);
        ph.put(TARGET_PROB, tp);
        ph.put(TARGET_LOG_PROB, tlp);
        return sd.calculateGradients(ph, INPUT).get(INPUT);
    }

    @Override
    public ModelWeights weights() {
        return weights;
    }

    @Override
    public void setWeights(ModelWeights w) {
        layers.assign(w);
        this.weights = w;
    }

    @Override
    public long activationFloatsPerImage() {
        return activationFloats;
    }

    private void checkInput(INDArray input) {
        long[] s = input.shape();
        if (s.length != 4 || s[1] != spec.channels() || s[2] != spec.height() || s[3] != spec.width()) {
            throw io.noiselens.config.Errors.shapeMismatch("model input",
                    String.format("[n, %d, %d, %d]", spec.channels(), spec.height(), spec.width()),
                    java.util.Arrays.toString(s));
        }
    }

    /** Frees the graph's variable arrays now instead of waiting for the garbage collector. */
    @Override
    public void close() {
        for (SDVariable v : sd.variables()) {
            INDArray arr = v.getArr();
            if (arr != null && arr.closeable()) arr.close();
        }
    }
}
