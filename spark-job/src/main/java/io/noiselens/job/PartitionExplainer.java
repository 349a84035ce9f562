package io.noiselens.job;

import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.attribution.Explanation;
import io.noiselens.attribution.TargetSource;
import io.noiselens.config.JobConfig;
import io.noiselens.methods.MethodSpec;
import io.noiselens.metrics.BatchScorer;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.ForwardEvaluator;
import io.noiselens.metrics.Metric;
import io.noiselens.metrics.meta.MetaAnalysis;
import io.noiselens.metrics.meta.MetaEvaluation;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.catalogue.MetricCatalogue;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.DeviceErrors;
import io.noiselens.model.ClassifierModel;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Explains one partition of the image dataset: it streams the partition in batches of {@code engine.batch_size}
 * (never collecting it), decodes and preprocesses each image, runs the attribution engine on the executor's
 * cached model, scores every map with the configured metrics, and emits {@link Tables#RESULTS} rows: one per
 * (image, method) map, one per (image, method, metric) score, or one error row for an image that could not be
 * decoded, preprocessed or explained, with its stage and reason.
 */
public final class PartitionExplainer implements MapPartitionsFunction<Row, Row> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PartitionExplainer.class);

    private final JobConfig config;
    private final Broadcast<ModelBroadcast> model;
    private final LongAccumulator imagesDone;
    private final int nativeThreads;
    private final double metaFraction;
    private final List<MetricContext.Partner> partners;

    public PartitionExplainer(JobConfig config, Broadcast<ModelBroadcast> model, LongAccumulator imagesDone,
                              int nativeThreads) {
        this(config, model, imagesDone, nativeThreads, 0, List.of());
    }

    /**
     * {@code metaFraction}: the share of images the meta-evaluation covers (0 when it is off); {@code partners}: the
     * run's pool of labelled images for Focus (empty when Focus is not computed).
     */
    public PartitionExplainer(JobConfig config, Broadcast<ModelBroadcast> model, LongAccumulator imagesDone,
                              int nativeThreads, double metaFraction, List<MetricContext.Partner> partners) {
        this.metaFraction = metaFraction;
        this.partners = List.copyOf(partners);
        this.config = config;
        this.model = model;
        this.imagesDone = imagesDone;
        this.nativeThreads = nativeThreads;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        ExecutorModelCache.configureThreads(nativeThreads, config.engine().backend());
        return new Batches(input, ExecutorModelCache.classifier(model.value(), config.engine().backend()));
    }

    /** The model id of the tables: architecture@first 12 hex digits of the model file's SHA-256. */
    static String modelId(ModelSpec spec, String sha256) {
        return spec.architecture() + "@" + sha256.substring(0, 12);
    }

    /**
     * The partition's rows, produced a batch at a time as Spark pulls them: decode, explain with every method,
     * score with every metric, and queue the rows.
     */
    private final class Batches implements Iterator<Row> {
        private final Iterator<Row> input;
        private final Deque<Row> out = new ArrayDeque<>();
        private final ClassifierModel classifier;
        private final ModelSpec spec;
        private final String modelId;
        private final List<AttributionMethod> methods;
        private final EngineOptions options;
        private final AttributionEngine engine;
        private final ImageLoader loader;
        private final boolean needsLabel;
        private final BatchScorer scorer;
        private final MetaEvaluation meta;

        Batches(Iterator<Row> input, ClassifierModel classifier) {
            this.input = input;
            this.classifier = classifier;
            this.spec = classifier.spec();
            this.modelId = modelId(spec, model.value().sha256());
            this.methods = config.methods().stream().map(MethodSpec::build).toList();
            this.options = new EngineOptions(config.run().seed(), config.engine().microBatch(),
                    config.engine().memoryBudgetMb() * (1L << 20));
            this.engine = new AttributionEngine(classifier, options);
            this.loader = new ImageLoader(config, spec);
            this.needsLabel = methods.stream().anyMatch(m -> m.target() == TargetSource.LABEL);
            // Forward passes in the engine's budget-capped micro-batches (a forward row needs less than a gradient row).
            this.scorer = new BatchScorer(classifier, options, new ForwardEvaluator(classifier, engine.microBatch()),
                    MetricCatalogue.create(config.metrics().names(), config.metrics().settings(), "metrics.names"),
                    config.metrics().explicit(), PartitionExplainer::endExecutorOnFatalDeviceError, partners);
            JobConfig.Meta m = config.metrics().meta();
            this.meta = metaFraction > 0 ? new MetaEvaluation(classifier, options, methods, scorer, m.iterations(),
                    m.perturbations()) : null;
        }

        @Override
        public boolean hasNext() {
            while (out.isEmpty() && input.hasNext()) nextBatch();
            return !out.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) throw new NoSuchElementException();
            return out.poll();
        }

        private Tables.ImageKey key(Row image) {
            return Tables.ImageKey.of(image, config.run().id(), modelId);
        }

        private void nextBatch() {
            List<Row> rows = new ArrayList<>();
            List<float[]> inputs = new ArrayList<>();
            List<boolean[]> masks = new ArrayList<>();
            while (input.hasNext() && rows.size() < config.engine().batchSize()) {
                Row r = input.next();
                try {
                    ImageLoader.Loaded l = loader.load(r);
                    if (needsLabel && r.isNullAt(r.fieldIndex("label"))) {
                        out.add(Tables.errorRow(key(r), "preprocess", new IllegalArgumentException(
                                "the image has no label, but a method explains target = label")));
                        continue;
                    }
                    rows.add(r);
                    inputs.add(l.input());
                    masks.add(l.mask());
                } catch (ImageLoader.Failure f) {
                    out.add(Tables.errorRow(key(r), f.stage, f.getCause()));
                }
            }
            explain(rows, inputs, masks);
            imagesDone.add(rows.size());
        }

        /** Explains a batch; when that fails, each image alone, so one bad image costs only its own row. */
        private void explain(List<Row> rows, List<float[]> inputs, List<boolean[]> masks) {
            if (rows.isEmpty()) return;
            Explanation e;
            ExplainBatch batch = batchOf(rows, inputs);
            try {
                e = engine.explain(batch, methods);
            } catch (RuntimeException batchFailure) {
                endExecutorOnFatalDeviceError(batchFailure);
                if (rows.size() == 1) {
                    out.add(Tables.errorRow(key(rows.get(0)), "model", batchFailure));
                    return;
                }
                for (int i = 0; i < rows.size(); i++) {
                    explain(List.of(rows.get(i)), List.of(inputs.get(i)), java.util.Collections.singletonList(masks.get(i)));
                }
                return;
            }
            emit(rows, batch, masks, e);
        }

        private ExplainBatch batchOf(List<Row> rows, List<float[]> inputs) {
            List<String> ids = new ArrayList<>();
            int[] labels = new int[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                ids.add(r.getString(r.fieldIndex("image_id")));
                int li = r.fieldIndex("label");
                labels[i] = r.isNullAt(li) ? -1 : r.getInt(li);
            }
            return new ExplainBatch(ids, inputs, labels);
        }

        private void emit(List<Row> rows, ExplainBatch batch, List<boolean[]> masks, Explanation e) {
            for (AttributionResult res : e.results()) {
                Row r = rows.get(res.index());
                if (!finite(res.map())) {
                    out.add(Tables.errorRow(key(r), "model", new ArithmeticException("non-finite values in the "
                            + res.method().id() + " map")));
                    continue;
                }
                Map<String, Object> params = res.method().params(config.run().seed());
                params.putAll(res.details());
                params.put("engine_backend", config.engine().backend().key());
                params.remove(AttributionResult.RELATIVE_SE);
                out.add(Tables.mapRow(key(r), res, Tables.json(params), e.predicted()[res.index()],
                        e.predictedProbability()[res.index()]));
            }
            Map<String, Map<String, double[]>> clean = new HashMap<>();
            for (Map.Entry<AttributionMethod, BatchScorer.Scored> g : scorer.score(batch, masks, e, res -> finite(res.map())).entrySet()) {
                String method = g.getKey().id();
                List<AttributionResult> results = g.getValue().results();
                for (Map.Entry<Metric, MetricValue[]> mv : g.getValue().values().entrySet()) {
                    MetricInfo info = mv.getKey().info();
                    String params = Tables.json(new java.util.TreeMap<>(info.params()));
                    double[] values = new double[rows.size()];
                    java.util.Arrays.fill(values, Double.NaN);
                    for (int i = 0; i < results.size(); i++) {
                        MetricValue v = mv.getValue()[i];
                        if (v == null) continue;
                        values[results.get(i).index()] = v.value();
                        out.add(Tables.metricRow(key(rows.get(results.get(i).index())), method, info, v, params));
                    }
                    clean.computeIfAbsent(method, k -> new HashMap<>()).put(info.name(), values);
                }
            }
            if (meta != null) metaEvaluate(rows, batch, masks, e, clean);
        }

        /** The meta-evaluation of the batch's images that it covers (a hash of run seed and image id picks them). */
        private void metaEvaluate(List<Row> rows, ExplainBatch batch, List<boolean[]> masks, Explanation e,
                                  Map<String, Map<String, double[]>> clean) {
            List<Integer> covered = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) if (MetaRows.covers(config.run().seed(), batch.ids().get(i), metaFraction)) covered.add(i);
            if (covered.isEmpty()) return;
            List<String> ids = new ArrayList<>();
            List<float[]> inputs = new ArrayList<>();
            List<boolean[]> m = new ArrayList<>();
            int[] labels = new int[covered.size()], predicted = new int[covered.size()];
            Map<String, Map<String, double[]>> q = new HashMap<>();
            for (int k = 0; k < covered.size(); k++) {
                int i = covered.get(k);
                ids.add(batch.ids().get(i));
                inputs.add(batch.inputs().get(i));
                m.add(masks.get(i));
                labels[k] = batch.labels()[i];
                predicted[k] = e.predicted()[i];
            }
            clean.forEach((method, byMetric) -> byMetric.forEach((metric, v) -> {
                double[] sub = new double[covered.size()];
                for (int k = 0; k < sub.length; k++) sub[k] = v[covered.get(k)];
                q.computeIfAbsent(method, x -> new HashMap<>()).put(metric, sub);
            }));
            Map<String, Row> byId = new HashMap<>();
            for (int i : covered) byId.put(batch.ids().get(i), rows.get(i));
            for (MetaAnalysis.Observation o : meta.run(new ExplainBatch(ids, inputs, labels), m, predicted, q,
                    res -> finite(res.map()))) {
                out.add(Tables.metaRow(key(byId.get(o.image())), o));
            }
        }
    }

    private static boolean finite(float[] v) {
        for (float f : v) if (!Float.isFinite(f)) return false;
        return true;
    }

    /**
     * A fatal device error (illegal address, launch failure, ECC) leaves the GPU unusable for this process: on an
     * executor the process ends, so Spark reschedules its tasks on a fresh one instead of failing every later batch
     * here; in local mode (the driver's own executor) the task fails with the error.
     */
    static void endExecutorOnFatalDeviceError(RuntimeException e) {
        if (!DeviceErrors.isFatal(e)) return;
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        String executor = env == null ? "driver" : env.executorId();
        LOG.error("Fatal device error on executor {}: {}; ending the executor so that Spark reschedules its tasks",
                executor, e.toString());
        if (!"driver".equals(executor)) Runtime.getRuntime().halt(57);
        throw e;
    }
}
