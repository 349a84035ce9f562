package io.noiselens.attribution;

import io.noiselens.model.ClassifierModel;
import io.noiselens.model.DeviceErrors;
import io.noiselens.model.NativeArrays;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.OutputSpace;
import io.noiselens.random.KeyedRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The estimator engine of DESIGN.md §3: every requested method is map(x) = Reduce_k φ(x, z_k, g(z_k; θ_k)).
 * For a batch it groups the draws of all methods by weight replica, sets each replica's weights once, and
 * evaluates every path point of every draw of every image in micro-batches sized to the memory budget. Each
 * draw's weighted gradient sum is finished by its base explainer and streamed into a per-(image, method)
 * {@link Moments} reducer, so memory is O(batch × map), never O(draws × map).
 *
 * <p>Weight replica i of σ_w and input sample s of an image come from keyed streams (see {@link NoisePlan},
 * {@link io.noiselens.noise.WeightNoise}), so results do not depend on batch composition, micro-batch size or
 * partitioning. Not thread-safe: one engine per model instance.
 */
public final class AttributionEngine {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AttributionEngine.class);
    private final ClassifierModel model;
    private final EngineOptions options;
    private final ModelWeights clean;
    private final ModelSpec spec;
    private final int microBatch;
    /** Rows per gradient call: the micro-batch, halved for good after a call fails to allocate its memory. */
    private int rowsPerCall;
    private long gradientRows;
    private String defaultLayer;
    /**
     * How many times an ordinary gradient row's memory a row through a graph with relevance rules takes: each linear
     * layer computes two to nine maps (the rule's terms) and their stabilised ratios, under autodiff on ND4J.
     */
    static final int RELEVANCE_MEMORY_FACTOR = 8;
    private final Map<String, io.noiselens.model.MapLayout> layerShapes = new java.util.HashMap<>();

    public AttributionEngine(ClassifierModel model, EngineOptions options) {
        this.model = model;
        this.options = options;
        this.clean = model.weights();
        this.spec = model.spec();
        // Forward + backward keep roughly three copies of the activations, plus the input and its gradient.
        long bytesPerRow = 4L * (3 * model.activationFloatsPerImage() + 2L * spec.inputSize());
        this.microBatch = (int) Math.max(1, Math.min(options.maxMicroBatch(), options.memoryBudgetBytes() / bytesPerRow));
        this.rowsPerCall = microBatch;
        io.noiselens.model.Sessions.limitCaches(options.memoryBudgetBytes() / 4);
        io.noiselens.model.NativeMemory.setAllowance(options.memoryBudgetBytes());
    }

    /** Rows per gradient call now: the micro-batch, or less after allocation failures. */
    public int rowsPerCall() {
        return rowsPerCall;
    }

    /** Rows per gradient call after the memory budget. */
    public int microBatch() {
        return microBatch;
    }

    /** Gradient evaluations (image rows) made so far, for throughput figures. */
    public long gradientRows() {
        return gradientRows;
    }

    public Explanation explain(ExplainBatch batch, List<AttributionMethod> methods) {
        int n = batch.size(), size = spec.inputSize(), nm = methods.size();
        float[][] probs = new float[n][];
        int[] predicted = new int[n];
        float[] predictedProb = new float[n];
        float[][] logits = forward(batch.inputs());
        for (int b = 0; b < n; b++) {
            probs[b] = softmax(logits[b]);
            predicted[b] = argmax(logits[b]);
            predictedProb[b] = probs[b][predicted[b]];
        }
        int[][] targets = new int[nm][n];
        for (int m = 0; m < nm; m++) {
            for (int b = 0; b < n; b++) {
                int t = methods.get(m).target() == TargetSource.PREDICTED ? predicted[b] : batch.labels()[b];
                if (t < 0) {
                    throw new IllegalArgumentException("Image '" + batch.ids().get(b) + "' has no label but method '"
                            + methods.get(m).id() + "' explains target=label");
                }
                targets[m][b] = t;
            }
        }
        Map<Baseline, float[]> baselines = new EnumMap<>(Baseline.class);
        for (AttributionMethod m : methods) {
            if (m.base().baseline() != null) baselines.computeIfAbsent(m.base().baseline(), k -> k.image(spec));
        }
        long[] imageKeys = new long[n];
        for (int b = 0; b < n; b++) imageKeys[b] = KeyedRandom.hash(batch.ids().get(b));

        Moments[][] moments = new Moments[nm][n];
        double[][] signedSum = new double[nm][n];
        for (int m = 0; m < nm; m++) {
            NoisePlan p = methods.get(m).plan();
            boolean withVariance = p.aggregation() == Aggregation.MEAN && p.independentDraws() && p.draws() > 1;
            int mapSize = methods.get(m).base().mapChannels(spec) * spec.height() * spec.width();
            for (int b = 0; b < n; b++) moments[m][b] = new Moments(mapSize, p.aggregation(), withVariance);
        }
        // Each method's evaluation, its layer resolved, made once per batch (a DeepLift reference is an image).
        Evaluation[] evaluations = new Evaluation[nm];
        for (int m = 0; m < nm; m++) evaluations[m] = resolved(methods.get(m).base().evaluation(spec));
        Pass pass = new Pass(batch, methods, targets, baselines, imageKeys, moments, signedSum, evaluations);

        // Group (method, replica) pairs by the weights they need; σ_w = 0 replicas all use the clean weights.
        // Methods that stop adaptively are drawn afterwards, in rounds.
        TreeMap<double[], List<int[]>> groups = new TreeMap<>((a, c) -> a[0] != c[0]
                ? Double.compare(a[0], c[0]) : Double.compare(a[1], c[1]));
        for (int m = 0; m < nm; m++) {
            if (methods.get(m).driver() != null || methods.get(m).plan().stopping() != null) continue;
            NoisePlan p = methods.get(m).plan();
            for (int i = 0; i < p.replicas(); i++) {
                double s = p.weightNoise().sigma();
                groups.computeIfAbsent(new double[]{s, s == 0 ? 0 : i}, k -> new ArrayList<>()).add(new int[]{m, i});
            }
        }
        try {
            for (Map.Entry<double[], List<int[]>> g : groups.entrySet()) {
                int[] first = g.getValue().get(0);
                use(replicaWeights(methods.get(first[0]).plan(), first[1]));
                for (int b = 0; b < n; b++) {
                    for (int[] mi : g.getValue()) {
                        for (int j = 0; j < methods.get(mi[0]).plan().samples(); j++) pass.draw(mi[0], b, mi[1], j);
                    }
                }
                pass.flush();
            }
            for (int m = 0; m < nm; m++) {
                if (methods.get(m).driver() == null && methods.get(m).plan().stopping() != null) pass.adaptive(m);
            }
        } finally {
            use(clean);
        }

        List<AttributionResult> results = new ArrayList<>(nm * n);
        for (int m = 0; m < nm; m++) {
            AttributionMethod method = methods.get(m);
            if (method.driver() != null) {
                results.addAll(method.driver().explain(this, batch, method, targets[m]));
                continue;
            }
            double[] fBase = completenessBaselineScores(method, baselines, targets[m]);
            for (int b = 0; b < n; b++) {
                AttributionResult r = result(b, method, targets[m][b], moments[m][b].result(method.plan().aggregation()),
                        moments[m][b].count());
                Map<String, Object> details = new java.util.LinkedHashMap<>();
                double rse = moments[m][b].relativeStandardError();
                if (!Double.isNaN(rse)) details.put(AttributionResult.RELATIVE_SE, rse);
                Evaluation ev = evaluations[m];
                if (ev.kind() == Evaluation.Kind.SCORE) details.put(AttributionResult.FORWARD_PASSES, pass.modelRows[m][b]);
                if (ev.kind() == Evaluation.Kind.LAYER_GRADIENT) details.put(AttributionResult.LAYER, ev.layer());
                if (!details.isEmpty()) r = r.withDetails(details);
                if (fBase != null) {
                    double fx = method.output().of(logits[b], targets[m][b]);
                    r = new AttributionResult(b, method, r.target(), r.map(), r.channels(), r.height(), r.width(),
                            r.draws(), signedSum[m][b] - (fx - fBase[b]), fx, fBase[b], r.details());
                }
                results.add(r);
            }
        }
        return new Explanation(predicted, predictedProb, probs, results);
    }

    /**
     * A finished map of image {@code index}: the method's abs-after-aggregation and channel reduction applied to the
     * raw C×H×W {@code map} (drivers build their results with it).
     */
    public AttributionResult result(int index, AttributionMethod method, int target, float[] map, long draws) {
        if (method.abs() == AbsMode.AFTER_AGGREGATION) for (int i = 0; i < map.length; i++) map[i] = Math.abs(map[i]);
        int plane = spec.height() * spec.width();
        float[] reduced = method.channelReduction().apply(map, map.length / plane, plane);
        return new AttributionResult(index, method, target, reduced, reduced.length / plane, spec.height(), spec.width(),
                draws, Double.NaN, Double.NaN, Double.NaN);
    }

    /**
     * Checks before a run that {@code method} applies to a model of {@code spec} — a class activation map's layer
     * exists and reads as a map, a propagation method's rules cover the network — with errors naming
     * {@code where} (e.g. {@code methods[gradcam]}).
     */
    public static void check(AttributionMethod method, ModelSpec spec, String where) {
        Evaluation e = method.base().evaluation(spec);
        if (e.kind() != Evaluation.Kind.LAYER_GRADIENT) return;
        if (e.layer() == null) io.noiselens.model.Architectures.lastSpatialLayer(spec);
        else io.noiselens.model.Architectures.layerShape(spec, e.layer(), where + ".layer");
    }

    /** Sets {@code w} unless the model already holds it (setting weights copies every parameter). */
    private void use(ModelWeights w) {
        if (model.weights() != w) model.setWeights(w);
    }

    private ModelWeights replicaWeights(NoisePlan plan, int replica) {
        return plan.weightNoise().sigma() == 0 ? clean : plan.weightNoise().replica(clean, options.runSeed(), replica);
    }

    /** One batch's draws in flight: what each draw needs, and where its map goes. */
    private final class Pass {
        final ExplainBatch batch;
        final List<AttributionMethod> methods;
        final int[][] targets;
        final Map<Baseline, float[]> baselines;
        final long[] imageKeys;
        final Moments[][] moments;
        final double[][] signedSum;
        /** Each (method, image)'s absolute input-noise σ, computed at its first draw (range mode scans the image). */
        final double[][] absSigma;
        /** What each method's rows ask of the model. */
        final Evaluation[] evaluations;
        /** Model rows each (method, image) has had evaluated (forward passes of perturbation methods). */
        final long[][] modelRows;
        /** The micro-batches under construction, one per evaluation (layer gradients: one per layer). */
        final Map<Evaluation, Rows> rows = new java.util.LinkedHashMap<>();

        Pass(ExplainBatch batch, List<AttributionMethod> methods, int[][] targets, Map<Baseline, float[]> baselines,
             long[] imageKeys, Moments[][] moments, double[][] signedSum, Evaluation[] evaluations) {
            this.evaluations = evaluations;
            this.batch = batch;
            this.methods = methods;
            this.targets = targets;
            this.baselines = baselines;
            this.imageKeys = imageKeys;
            this.moments = moments;
            this.signedSum = signedSum;
            this.absSigma = new double[methods.size()][batch.size()];
            this.modelRows = new long[methods.size()][batch.size()];
            for (double[] row : absSigma) java.util.Arrays.fill(row, Double.NaN);
        }

        /** Evaluates every queued row. */
        void flush() {
            for (Rows r : rows.values()) r.flush();
        }

        /** Queues input draw j of replica i of method m for image b (the current weights must be replica i's). */
        void draw(int m, int b, int i, int j) {
            AttributionMethod method = methods.get(m);
            NoisePlan plan = method.plan();
            float[] x = batch.inputs().get(b);
            float[] reference = method.base().anchoredAtInput() ? x
                    : method.base().baseline() == null ? null : baselines.get(method.base().baseline());
            float[] z = new float[x.length];
            if (Double.isNaN(absSigma[m][b])) absSigma[m][b] = plan.inputNoise().absoluteSigma(x);
            int draw = i * plan.samples() + j;
            plan.inputNoise().perturb(x, absSigma[m][b], options.runSeed(), imageKeys[b], draw, z);
            Evaluation ev = evaluations[m];
            DrawState state = method.base().start(new DrawPoint(z, reference, spec,
                    ev.layer() == null ? null : layerShape(ev.layer()), options.runSeed(), imageKeys[b], draw));
            Draw d = new Draw(method, state, z, moments[m][b], signedSum[m], b);
            modelRows[m][b] += state.rows();
            Rows queue = rows.computeIfAbsent(ev, Rows::new);
            for (int k = 0; k < state.rows(); k++) queue.add(d, k, targets[m][b], method.output());
        }

        /**
         * Method m's draws in rounds ({@link SequentialStopping}): the first {@code minDraws}, then {@code every} more
         * at a time for the images whose relative standard error is still above the tolerance. Draw d is replica
         * d / M, sample d mod M, as in the fixed order, so an image that never stops gets the fixed-count map.
         */
        void adaptive(int m) {
            NoisePlan plan = methods.get(m).plan();
            SequentialStopping stop = plan.stopping();
            int n = batch.size(), total = plan.draws();
            boolean[] active = new boolean[n];
            java.util.Arrays.fill(active, true);
            int remaining = n;
            for (int done = 0; done < total && remaining > 0; ) {
                int end = Math.min(total, done == 0 ? stop.minDraws() : done + stop.every());
                for (int d = done; d < end; ) {
                    int i = d / plan.samples(), last = Math.min(end, (i + 1) * plan.samples());
                    use(replicaWeights(plan, i));
                    for (int b = 0; b < n; b++) {
                        if (!active[b]) continue;
                        for (int dd = d; dd < last; dd++) draw(m, b, i, dd - i * plan.samples());
                    }
                    flush();
                    d = last;
                }
                done = end;
                for (int b = 0; b < n; b++) {
                    if (active[b] && moments[m][b].relativeStandardError() <= stop.tolerance()) {
                        active[b] = false;
                        remaining--;
                    }
                }
            }
        }
    }

    /** The model this engine explains (drivers evaluate it directly, e.g. for objectives and attacks). */
    public ClassifierModel model() {
        return model;
    }

    public EngineOptions options() {
        return options;
    }

    /** f(x′) per image for methods where completeness is defined (complete base, no noise); null otherwise. */
    private double[] completenessBaselineScores(AttributionMethod method, Map<Baseline, float[]> baselines, int[] targets) {
        if (!method.base().complete() || !method.plan().clean() || method.plan().draws() != 1) return null;
        float[] bl = forward(List.of(baselines.get(method.base().baseline())))[0];
        double[] out = new double[targets.length];
        for (int b = 0; b < targets.length; b++) out[b] = method.output().of(bl, targets[b]);
        return out;
    }

    private float[][] forward(List<float[]> inputs) {
        int n = inputs.size(), size = spec.inputSize();
        float[][] out = new float[n][];
        inCalls(n, (start, rows) -> {
            float[] buf = new float[rows * size];
            for (int r = 0; r < rows; r++) System.arraycopy(inputs.get(start + r), 0, buf, r * size, size);
            INDArray input = toInput(buf, rows);
            System.arraycopy(NativeArrays.drainRows(model.logits(input), rows), 0, out, start, rows);
            NativeArrays.close(input);
        });
        return out;
    }

    /**
     * Runs {@code call(start, rows)} over rows [0, count) in calls of {@link #rowsPerCall} rows. A call that cannot
     * allocate its memory (device or off-heap) is retried in halves — rows are independent, so results do not change
     * — and later calls stay at the smaller size.
     */
    private void inCalls(int count, java.util.function.BiConsumer<Integer, Integer> call) {
        for (int start = 0; start < count; ) {
            int n = Math.min(rowsPerCall, count - start);
            try {
                call.accept(start, n);
                start += n;
            } catch (OutOfMemoryError | RuntimeException e) {
                if (n == 1 || !DeviceErrors.isAllocationFailure(e)) throw e;
                rowsPerCall = n / 2;
                LOG.warn("A model call of {} rows could not allocate its memory ({}); retrying with {} rows per call", n,
                        e.getMessage(), rowsPerCall);
            }
        }
    }

    private INDArray toInput(float[] buf, int rows) {
        return io.noiselens.model.NativeArrays.of(buf, rows, spec.channels(), spec.height(), spec.width());
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : logits) max = Math.max(max, v);
        double[] e = new double[logits.length];
        for (int i = 0; i < e.length; i++) sum += (e[i] = Math.exp(logits[i] - max));
        float[] p = new float[e.length];
        for (int i = 0; i < e.length; i++) p[i] = (float) (e[i] / sum);
        return p;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** One draw in flight: its explainer's state, the rows still out, and where its map goes. */
    private final class Draw {
        final AttributionMethod method;
        final DrawState state;
        final float[] z;
        final Moments sink;
        final double[] signedSums;
        final int image;
        int pending;

        Draw(AttributionMethod method, DrawState state, float[] z, Moments sink, double[] signedSums, int image) {
            this.method = method;
            this.state = state;
            this.z = z;
            this.sink = sink;
            this.signedSums = signedSums;
            this.image = image;
            this.pending = state.rows();
        }

        void accept(int k, float[] values, int offset, int length) {
            state.accept(k, values, offset, length);
            if (--pending == 0) complete();
        }

        private void complete() {
            float[] map = new float[method.base().mapChannels(spec) * spec.height() * spec.width()];
            state.finish(map);
            if (method.base().complete()) {
                double s = 0;
                for (float v : map) s += v;
                signedSums[image] += s / method.plan().draws();
            }
            if (method.abs() == AbsMode.BEFORE_AGGREGATION) for (int i = 0; i < map.length; i++) map[i] = Math.abs(map[i]);
            sink.add(map);
        }
    }

    /**
     * The micro-batch of one {@link Evaluation} under construction: rows stacked one after another, flushed through
     * one model call (input gradients, logits, or a layer's activation and gradient) and handed to their draws.
     */
    private final class Rows {
        final Evaluation evaluation;
        final int size;
        final float[] buf;
        final Draw[] draws;
        final int[] steps;
        final int[] targets;
        final OutputSpace[] spaces;
        final int capacity;
        int count;

        Rows(Evaluation evaluation) {
            this.evaluation = evaluation;
            this.size = spec.inputSize();
            // A graph with relevance rules holds several tensors per linear layer: fewer rows per call.
            this.capacity = evaluation.kind() == Evaluation.Kind.RELEVANCE
                    ? Math.max(1, microBatch / RELEVANCE_MEMORY_FACTOR) : microBatch;
            this.buf = new float[capacity * size];
            this.draws = new Draw[capacity];
            this.steps = new int[capacity];
            this.targets = new int[capacity];
            this.spaces = new OutputSpace[capacity];
        }

        void add(Draw d, int k, int target, OutputSpace space) {
            d.state.row(k, buf, count * size);
            draws[count] = d;
            steps[count] = k;
            targets[count] = target;
            spaces[count] = space;
            if (++count == capacity) flush();
        }

        /** The stacked rows evaluated ({@link #inCalls}: halved on allocation failures), fed to their draws. */
        void flush() {
            if (count == 0) return;
            int rows = count;
            count = 0;
            inCalls(rows, (start, n) -> {
                float[] in = n == capacity ? buf : Arrays.copyOfRange(buf, start * size, (start + n) * size);
                INDArray input = toInput(in, n);
                int[] t = Arrays.copyOfRange(targets, start, start + n);
                OutputSpace[] sp = Arrays.copyOfRange(spaces, start, start + n);
                try {
                    switch (evaluation.kind()) {
                        case INPUT_GRADIENT -> {
                            float[] g = NativeArrays.drainFloats(model.inputGradients(input, t, sp));
                            for (int r = 0; r < n; r++) draws[start + r].accept(steps[start + r], g, r * size, size);
                        }
                        case SCORE -> {
                            float[][] logits = NativeArrays.drainRows(model.logits(input), n);
                            for (int r = 0; r < n; r++) {
                                float[] score = {(float) sp[r].of(logits[r], t[r])};
                                draws[start + r].accept(steps[start + r], score, 0, 1);
                            }
                        }
                        case RELEVANCE -> {
                            float[] g = NativeArrays.drainFloats(model.relevance(evaluation.gradient(), input, t, sp));
                            for (int r = 0; r < n; r++) draws[start + r].accept(steps[start + r], g, r * size, size);
                        }
                        case LAYER_GRADIENT -> {
                            ClassifierModel.LayerGradients lg = model.layerGradients(evaluation.layer(), input, t, sp);
                            for (int r = 0; r < n; r++) {
                                float[] a = lg.activations()[r], g = lg.gradients()[r];
                                float[] both = Arrays.copyOf(a, a.length + g.length);
                                System.arraycopy(g, 0, both, a.length, g.length);
                                draws[start + r].accept(steps[start + r], both, 0, both.length);
                            }
                        }
                    }
                } finally {
                    NativeArrays.close(input);
                }
            });
            if (evaluation.kind() == Evaluation.Kind.INPUT_GRADIENT) gradientRows += rows;
            Arrays.fill(draws, 0, rows, null);
        }
    }

    /** {@code e} with its layer named: a layer explainer without one reads the model's last spatial map. */
    private Evaluation resolved(Evaluation e) {
        if (e.kind() != Evaluation.Kind.LAYER_GRADIENT || e.layer() != null) return e;
        if (defaultLayer == null) defaultLayer = io.noiselens.model.Architectures.lastSpatialLayer(spec);
        return Evaluation.layerGradient(defaultLayer);
    }

    /** How a layer's output reads as a map, found once per layer. */
    private io.noiselens.model.MapLayout layerShape(String layer) {
        return layerShapes.computeIfAbsent(layer, k -> io.noiselens.model.Architectures.layerShape(spec, k));
    }
}
