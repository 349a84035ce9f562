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
 * {@code Σ onehot_logit ⊙ logits + Σ onehot_prob ⊙ softmax(logits) + Σ onehot_logprob ⊙ log softmax(logits)}, so
 * one gradient serves every output space and rows of one batch may differ in space and target.
 *
 * <p>The input gradient is computed by one of two {@link GradientPass}es: {@link GradientPass#INPUT_ONLY} (the
 * default) writes the reverse pass for frozen weights into the graph as forward ops ({@link Backprop}), so a call
 * computes no parameter gradient and returns the logits of the same pass; {@link GradientPass#AUTODIFF} is
 * SameDiff's own reverse mode ({@code createGradFunction("input")} then {@code calculateGradients}, DESIGN.md §8),
 * which also computes every weight gradient and serves as the reference the input-only pass is tested against.
 */
public final class SameDiffClassifier implements ClassifierModel {
    /** How input gradients are computed (see the class comment). */
    public enum GradientPass { INPUT_ONLY, AUTODIFF }

    public static final String INPUT = "input";
    private static final String TARGET_LOGIT = "target_logit";
    private static final String TARGET_PROB = "target_prob";
    private static final String TARGET_LOG_PROB = "target_log_prob";

    private final ModelSpec spec;
    private final DataType dataType;
    private final SameDiff sd;
    private final SameDiffLayers layers;
    private final String logitsName;
    private final GradientPass pass;
    private final String gradientName;
    /** The layer whose activation and gradient this graph returns instead of the input gradient (null: the input's). */
    private final String layer;
    private final String layerActivationName;
    /** Graphs of {@link #layerGradients}, one per layer, built on first use. */
    private final Map<String, SameDiffClassifier> layerGraphs = new HashMap<>();
    /** Graphs of {@link #relevance}, one per rule set, built on first use. */
    private final Map<ModifiedGradient, SameDiffClassifier> relevanceGraphs = new HashMap<>();
    private final double softplusBeta;
    private final long activationFloats;
    private ModelWeights weights;

    /** How much more memory per image SameDiff's autodiff of a general graph takes than its activation count says. */
    static final int AUTODIFF_MEMORY_FACTOR = 4;

    private SameDiffClassifier(ModelSpec spec, ModelWeights weights, DataType dataType, double softplusBeta,
                               GradientPass pass) {
        this(spec, weights, dataType, softplusBeta, pass, null, null);
    }

    /**
     * @param layer       the layer whose activation and gradient the graph returns (null: the input gradient)
     * @param modified    modified Jacobians the graph is built with (null: none); such graphs use autodiff, as the
     *                    rules' stop-gradients have no hand-written reverse step
     */
    private SameDiffClassifier(ModelSpec spec, ModelWeights weights, DataType dataType, double softplusBeta,
                               GradientPass pass, String layer, ModifiedGradient modified) {
        this.spec = spec;
        this.layer = layer;
        this.softplusBeta = softplusBeta;
        // Graphs with the general operators (transformer-era ONNX exports) have no hand-written reverse steps.
        boolean general = spec.network() instanceof io.noiselens.model.onnx.OnnxArchitecture a && a.needsGeneralOperators();
        if (general || modified != null) pass = GradientPass.AUTODIFF;
        this.pass = pass;
        this.dataType = dataType;
        this.sd = SameDiff.create();
        Sessions.track(sd);
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Tensor t : weights.tensors()) params.put(t.name(), t);
        SameDiffLayers l = new SameDiffLayers(sd, dataType, params, null, true).softplus(softplusBeta);
        l.modifiedGradient(modified);
        Layers.Act<SDVariable> in = l.input(INPUT, spec.channels(), spec.height(), spec.width());
        if (modified instanceof Rescale) {
            spec.network().define(l, l.referenceInput(spec.channels(), spec.height(), spec.width()), spec);
            l.startInputPass();
        }
        Layers.Act<SDVariable> out = spec.network().define(l, in, spec);
        if (out.size() != spec.numClasses()) {
            throw new IllegalArgumentException("Architecture " + spec.architecture() + " produced " + out.size()
                    + " outputs for " + spec.numClasses() + " classes");
        }
        SDVariable logits = out.v();
        this.logitsName = logits.name();
        Layers.Act<SDVariable> at = layer == null ? in : l.output(layer);
        this.layerActivationName = layer == null ? null : at.v().name();
        SDVariable tl = sd.placeHolder(TARGET_LOGIT, dataType, -1, spec.numClasses());
        SDVariable tp = sd.placeHolder(TARGET_PROB, dataType, -1, spec.numClasses());
        SDVariable tlp = sd.placeHolder(TARGET_LOG_PROB, dataType, -1, spec.numClasses());
        // log-softmax spelled out: SameDiff M2.1's LogSoftMax op fails to clone when the gradient graph is built.
        SDVariable shifted = logits.sub(logits.max(true, 1));
        SDVariable logSoftmax = shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, 1)));
        SDVariable p = sd.nn().softmax(logits, 1);
        if (pass == GradientPass.AUTODIFF) {
            sd.setLossVariables(tl.mul(logits).sum().add(tp.mul(p).sum()).add(tlp.mul(logSoftmax).sum()));
            createGradFunctionQuietly(sd, layer == null ? INPUT : layerActivationName);
            this.gradientName = null;
        } else {
            // ∂score/∂logits: e_t for a logit, p_t(e_t − p) for a probability, e_t − p for a log-probability.
            SDVariable tpp = tp.mul(p);
            SDVariable seed = tl.add(tpp).sub(p.mul(tpp.sum(true, 1))).add(tlp).sub(p.mul(tlp.sum(true, 1)));
            this.gradientName = (layer == null ? l.inputGradient(in, out, seed) : l.gradientAt(at, out, seed)).name();
        }
        this.layers = l;
        sd.setListeners(NATIVE_POOLING);
        // SameDiff's autodiff of these graphs holds far more per image than the activations the planner counts:
        // measured peak resident memory over the loaded model, batch 2, 3.9 GB per image for ConvNeXt-T and 4.1 GB
        // for ViT-B/16, against the planner's 0.84 and 1.08 GB from the activation count (the torch engine: 0.48 GB
        // for ViT-B/16). The count is scaled so that micro-batches stay within the memory budget.
        this.activationFloats = l.activationFloatsPerImage() * (general ? AUTODIFF_MEMORY_FACTOR : 1);
        setWeights(weights);
    }

    /**
     * SameDiff M2.1 prints "Added differentiated op …" to standard output for every op of a new gradient graph;
     * that would bury the job's own output, so standard output is muted while the graph is built.
     */
    static void createGradFunctionQuietly(SameDiff sd) {
        createGradFunctionQuietly(sd, INPUT);
    }

    /** As {@link #createGradFunctionQuietly(SameDiff)}, for the gradient of {@code variable}. */
    static synchronized void createGradFunctionQuietly(SameDiff sd, String variable) {
        java.io.PrintStream original = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            sd.createGradFunction(variable);
        } finally {
            System.setOut(original);
        }
    }

    /** A float32 model, the production setting. */
    public static SameDiffClassifier create(ModelSpec spec, ModelWeights weights) {
        return new SameDiffClassifier(spec, weights, DataType.FLOAT, 0, GradientPass.INPUT_ONLY);
    }

    /** A model whose input gradients come from the given pass (AUTODIFF: the reference and the benchmark's baseline). */
    public static SameDiffClassifier create(ModelSpec spec, ModelWeights weights, DataType dataType, GradientPass pass) {
        return new SameDiffClassifier(spec, weights, dataType, 0, pass);
    }

    @Override
    public ClassifierModel smoothed(double beta) {
        return new SameDiffClassifier(spec, weights, dataType, beta, pass);
    }

    /** A model in the given precision (float64 serves as the finite-difference reference in tests). */
    public static SameDiffClassifier create(ModelSpec spec, ModelWeights weights, DataType dataType) {
        return new SameDiffClassifier(spec, weights, dataType, 0, GradientPass.INPUT_ONLY);
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public INDArray logits(INDArray input) {
        spec.batchOf(input.shape());
        INDArray cast = input.castTo(dataType);
        INDArray out = sd.outputSingle(Map.of(INPUT, cast), logitsName);
        if (cast != input) NativeArrays.close(cast);
        return out;
    }

    @Override
    public INDArray inputGradients(INDArray input, int[] targets, OutputSpace[] spaces) {
        return gradientPass(input, targets, spaces, false).gradients();
    }

    @Override
    public Pass logitsAndInputGradients(INDArray input, int[] targets, OutputSpace[] spaces) {
        return gradientPass(input, targets, spaces, true);
    }

    public GradientPass gradientPass() {
        return pass;
    }

    /** Times every op of later calls into {@code timings} (the benchmark's op-level profile). */
    public void profile(OpTimings timings) {
        sd.setListeners(NATIVE_POOLING, timings);
    }

    /**
     * Runs max pooling and its backward step on libnd4j's own kernels rather than its oneDNN helper: on a ResNet
     * stem (16×64×112×112, 3×3 stride 2) the helper's forward and backward took 347 ms, libnd4j's 200 ms, as the helper
     * reorders to and from oneDNN's blocked layout on every call. Per op, through the op's own context.
     */
    private static final org.nd4j.autodiff.listeners.Listener NATIVE_POOLING = new org.nd4j.autodiff.listeners.BaseListener() {
        @Override
        public boolean isActive(org.nd4j.autodiff.listeners.Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, org.nd4j.autodiff.listeners.At at,
                                   org.nd4j.autodiff.samediff.internal.SameDiffOp op, org.nd4j.linalg.api.ops.OpContext ctx) {
            String name = op.getOp().opName();
            if (ctx != null && (name.equals("maxpool2d") || name.equals("maxpool2d_bp"))) ctx.allowHelpers(false);
        }
    };

    private Pass gradientPass(INDArray input, int[] targets, OutputSpace[] spaces, boolean withLogits) {
        int n = spec.batchOf(input.shape());
        spec.checkTargets(n, targets, spaces);
        INDArray tl = Nd4j.zeros(dataType, n, spec.numClasses());
        INDArray tp = Nd4j.zeros(dataType, n, spec.numClasses());
        INDArray tlp = Nd4j.zeros(dataType, n, spec.numClasses());
        for (int i = 0; i < n; i++) {
            (switch (spaces[i]) {
                case LOGIT -> tl;
                case PROBABILITY -> tp;
                case LOG_PROBABILITY -> tlp;
            }).putScalar(i, targets[i], 1.0);
        }
        Map<String, INDArray> ph = new HashMap<>();
        INDArray cast = input.castTo(dataType);
        ph.put(INPUT, cast);
        ph.put(TARGET_LOGIT, tl);
        ph.put(TARGET_PROB, tp);
        ph.put(TARGET_LOG_PROB, tlp);
        try {
            if (layer != null) {
                if (pass == GradientPass.AUTODIFF) {
                    return new Pass(sd.outputSingle(ph, layerActivationName),
                            sd.calculateGradients(ph, layerActivationName).get(layerActivationName));
                }
                Map<String, INDArray> out = sd.output(ph, layerActivationName, gradientName);
                return new Pass(out.get(layerActivationName), out.get(gradientName));
            }
            if (pass == GradientPass.AUTODIFF) {
                INDArray g = sd.calculateGradients(ph, INPUT).get(INPUT);
                return new Pass(withLogits ? logits(input) : null, g);
            }
            if (!withLogits) return new Pass(null, sd.outputSingle(ph, gradientName));
            Map<String, INDArray> out = sd.output(ph, logitsName, gradientName);
            return new Pass(out.get(logitsName), out.get(gradientName));
        } finally {
            // The returned arrays are the caller's to free; these are this call's own.
            NativeArrays.close(tl, tp, tlp);
            if (cast != input) NativeArrays.close(cast);
        }
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

    /**
     * The layer's activation and its gradient from a graph of their own ({@link #layerGraphs}; its reverse pass stops
     * at the layer), with this model's current weights.
     */
    @Override
    public LayerGradients layerGradients(String layerName, INDArray input, int[] targets, OutputSpace[] spaces) {
        SameDiffClassifier g = layerGraphs.computeIfAbsent(layerName,
                k -> new SameDiffClassifier(spec, weights, dataType, softplusBeta, pass, k, null));
        if (g.weights != weights) g.setWeights(weights);
        Pass p = g.gradientPass(input, targets, spaces, false);
        int n = (int) input.size(0);
        return new LayerGradients(NativeArrays.drainRows(p.logits(), n), NativeArrays.drainRows(p.gradients(), n));
    }

    /** The input gradient of a graph of its own built with the rules ({@link #relevanceGraphs}), current weights. */
    @Override
    public INDArray relevance(ModifiedGradient p, INDArray input, int[] targets, OutputSpace[] spaces) {
        SameDiffClassifier g = relevanceGraphs.computeIfAbsent(p,
                k -> new SameDiffClassifier(spec, weights, dataType, softplusBeta, pass, null, k));
        if (g.weights != weights) g.setWeights(weights);
        return g.inputGradients(input, targets, spaces);
    }

    @Override
    public LayerProbe probe(String layer) {
        return new SameDiffLayerProbe(spec, weights, layer);
    }

    @Override
    public long activationFloatsPerImage() {
        return activationFloats;
    }

    /** Frees the graph's variable arrays now instead of waiting for the garbage collector. */
    @Override
    public void close() {
        for (SameDiffClassifier g : layerGraphs.values()) g.close();
        for (SameDiffClassifier g : relevanceGraphs.values()) g.close();
        layerGraphs.clear();
        relevanceGraphs.clear();
        Sessions.release(sd);
        for (SDVariable v : sd.variables()) {
            INDArray arr = v.getArr();
            if (arr != null && arr.closeable()) arr.close();
        }
    }
}
