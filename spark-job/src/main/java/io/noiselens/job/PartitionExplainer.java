package io.noiselens.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.attribution.Explanation;
import io.noiselens.attribution.TargetSource;
import io.noiselens.config.JobConfig;
import io.noiselens.config.MethodConfig;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.image.ImageDecoder;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.SameDiffClassifier;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Explains one partition of the image dataset: it streams the partition in batches of {@code engine.batch_size}
 * (never collecting it), decodes and preprocesses each image, runs the attribution engine on the executor's
 * cached model, and emits one {@link Tables#RESULTS} row per (image, method), or one error row for an image that
 * could not be decoded, preprocessed or explained, with its stage and reason.
 */
public final class PartitionExplainer implements MapPartitionsFunction<Row, Row> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobConfig config;
    private final Broadcast<ModelBroadcast> model;
    private final LongAccumulator imagesDone;
    private final int nativeThreads;

    public PartitionExplainer(JobConfig config, Broadcast<ModelBroadcast> model, LongAccumulator imagesDone,
                              int nativeThreads) {
        this.config = config;
        this.model = model;
        this.imagesDone = imagesDone;
        this.nativeThreads = nativeThreads;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        ExecutorModelCache.configureThreads(nativeThreads);
        SameDiffClassifier classifier = ExecutorModelCache.classifier(model.value());
        ModelSpec spec = classifier.spec();
        String modelId = spec.architecture() + "@" + model.value().sha256().substring(0, 12);
        List<AttributionMethod> methods = config.methods().stream().map(MethodConfig::build).toList();
        AttributionEngine engine = new AttributionEngine(classifier, new EngineOptions(config.run().seed(),
                config.engine().microBatch(), config.engine().memoryBudgetMb() * (1L << 20)));
        SyntheticShapes synthetic = config.dataset().builtin()
                ? new SyntheticShapes(config.dataset().builtinSeed(), spec.height()) : null;
        boolean needsLabel = methods.stream().anyMatch(m -> m.target() == TargetSource.LABEL);
        String runId = config.run().id();

        return new Iterator<>() {
            private final Deque<Row> out = new ArrayDeque<>();

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

            private void nextBatch() {
                List<Row> rows = new ArrayList<>();
                List<float[]> inputs = new ArrayList<>();
                while (input.hasNext() && rows.size() < config.engine().batchSize()) {
                    Row r = input.next();
                    String stage = "decode";
                    try {
                        float[] x;
                        if (synthetic != null) {
                            x = synthetic.image("eval", r.getLong(r.fieldIndex("index"))).pixels().clone();
                        } else {
                            if (r.isNullAt(r.fieldIndex("label"))) {
                                stage = "dataset";
                                throw new IllegalArgumentException("the file is not inside a class directory of "
                                        + config.dataset().folderPath() + "; expected root/<class>/<file>");
                            }
                            stage = "decode";
                            ImageDecoder.Decoded d = ImageDecoder.decode((byte[]) r.get(r.fieldIndex("content")),
                                    spec.channels(), config.dataset().maxPixels());
                            stage = "preprocess";
                            x = ImageDecoder.resize(d.pixels(), d.channels(), d.height(), d.width(), spec.height(), spec.width());
                        }
                        stage = "preprocess";
                        if (needsLabel && r.isNullAt(r.fieldIndex("label"))) {
                            throw new IllegalArgumentException("the image has no label, but a method explains target = label");
                        }
                        spec.preprocessing().normaliseInPlace(x, spec.height() * spec.width());
                        rows.add(r);
                        inputs.add(x);
                    } catch (ImageDecoder.BadImageException | RuntimeException e) {
                        out.add(errorRow(r, stage, e));
                    }
                }
                explain(rows, inputs);
                imagesDone.add(rows.size());
            }

            private void explain(List<Row> rows, List<float[]> inputs) {
                if (rows.isEmpty()) return;
                try {
                    emit(rows, engine.explain(batchOf(rows, inputs), methods));
                } catch (RuntimeException batchFailure) {
                    if (rows.size() == 1) {
                        out.add(errorRow(rows.get(0), "model", batchFailure));
                        return;
                    }
                    for (int i = 0; i < rows.size(); i++) explain(List.of(rows.get(i)), List.of(inputs.get(i)));
                }
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

            private void emit(List<Row> rows, Explanation e) {
                for (AttributionResult res : e.results()) {
                    Row r = rows.get(res.index());
                    if (!finite(res.map())) {
                        out.add(errorRow(r, "model", new ArithmeticException("non-finite values in the "
                                + res.method().id() + " map")));
                        continue;
                    }
                    AttributionMethod m = res.method();
                    out.add(RowFactory.create(runId, r.getString(r.fieldIndex("image_id")), Tables.KIND_MAP,
                            r.getAs("path"), r.getAs("label"), r.getAs("label_name"), modelId, m.id(), m.base().name(),
                            json(m.params(config.run().seed())), res.target(), m.target().name().toLowerCase(),
                            m.output().name().toLowerCase(), e.predicted()[res.index()],
                            e.predictedProbability()[res.index()], res.channels(), res.height(), res.width(),
                            m.channelReduction().name().toLowerCase(), boxed(res.map()), res.min(), res.max(),
                            res.l1(), res.l2(), res.draws(), nullIfNaN(res.igDelta()),
                            Double.isNaN(res.igDelta()) ? null : res.igRelDelta(), null, null, null));
                }
            }

            private Row errorRow(Row r, String stage, Throwable e) {
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                return RowFactory.create(runId, r.getString(r.fieldIndex("image_id")), Tables.KIND_ERROR,
                        r.getAs("path"), r.getAs("label"), r.getAs("label_name"), modelId, null, null, null, null,
                        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        stage, e.getClass().getName(), message);
            }
        };
    }

    private static boolean finite(float[] v) {
        for (float f : v) if (!Float.isFinite(f)) return false;
        return true;
    }

    private static Float[] boxed(float[] v) {
        Float[] b = new Float[v.length];
        for (int i = 0; i < v.length; i++) b[i] = v[i];
        return b;
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static String json(Map<String, Object> m) {
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
