package io.noiselens.job;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.AttributionResult;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;

import java.util.HashMap;
import java.util.Map;

import static org.apache.spark.sql.types.DataTypes.*;

/**
 * Table names and schemas (DESIGN.md §5). {@link #RESULTS} is the raw per-image output of the model passes,
 * written once; {@code attributions} and {@code errors} are projections of it, so writing several tables never
 * reruns the model.
 */
public final class Tables {
    public static final String ATTRIBUTIONS = "attributions";
    public static final String ERRORS = "errors";
    public static final String RUNS = "runs";
    public static final String RESULTS_STAGING = "_results";

    public static final String KIND_MAP = "map";
    public static final String KIND_ERROR = "error";
    public static final String KIND_METRIC = "metric";
    /** A metric value under one of MetaQuantus's perturbations, with its clean value (meta-evaluation). */
    public static final String KIND_META = "meta";
    public static final String META = "meta";
    public static final String METRICS = "metrics";
    public static final String SUMMARY = "summary";
    public static final String REPLICAS = "replicas";
    /** The claims table of {@code noiselens reproduce} ({@link Reproduce}). */
    public static final String CLAIMS = "claims";

    /** Columns of the metrics table, in order. */
    public static final String[] METRIC_COLUMNS = {"image_id", "method", "metric", "label", "label_name", "model_id",
            "category", "higher_is_better", "value", "curve", "metric_params", "nan_reason", "run_id"};

    /**
     * The summary table: per model × method × metric, over all images (label_name null) and per class; model_id is
     * "a vs b" for the cross-model stability metrics.
     */
    public static final StructType SUMMARY_SCHEMA = new StructType(new StructField[]{
            field("model_id", StringType, false),
            field("method", StringType, false),
            field("metric", StringType, false),
            field("label_name", StringType, true),
            field("category", StringType, false),
            field("higher_is_better", BooleanType, false),
            field("n", LongType, false),
            field("n_nan", LongType, false),
            field("mean", DoubleType, true),
            field("stddev", DoubleType, true),
            field("ci95_low", DoubleType, true),
            field("ci95_high", DoubleType, true),
            field("median", DoubleType, true),
            field("run_id", StringType, false)});

    /** The columns every results row carries: the run, the image and the model it went through. */
    public record ImageKey(String runId, String imageId, String path, Integer label, String labelName, String modelId) {
        /** The key of an input image row (image_id, path, label, label_name) under {@code runId} and {@code modelId}. */
        static ImageKey of(Row image, String runId, String modelId) {
            return new ImageKey(runId, image.getString(image.fieldIndex("image_id")), image.getAs("path"),
                    image.getAs("label"), image.getAs("label_name"), modelId);
        }
    }

    /**
     * The row of one map: the method, its parameters (JSON, the result's details included, defaults explicit), the
     * target and prediction, the map and its statistics.
     */
    static Row mapRow(ImageKey key, AttributionResult res, String methodParamsJson, int predicted, float probability) {
        AttributionMethod m = res.method();
        Map<String, Object> v = keyColumns(key, KIND_MAP);
        v.put("method", m.id());
        v.put("base_method", m.base().name());
        v.put("method_params", methodParamsJson);
        v.put("target", res.target());
        v.put("target_source", m.target().name().toLowerCase());
        v.put("output_space", m.output().name().toLowerCase());
        v.put("predicted", predicted);
        v.put("probability", probability);
        v.put("channels", res.channels());
        v.put("height", res.height());
        v.put("width", res.width());
        v.put("channel_reduction", m.channelReduction().name().toLowerCase());
        v.put("map", boxed(res.map()));
        v.put("map_min", res.min());
        v.put("map_max", res.max());
        v.put("map_l1", res.l1());
        v.put("map_l2", res.l2());
        v.put("draws", res.draws());
        v.put("relative_se", nullIfNaN(res.relativeSe()));
        v.put("ig_delta", nullIfNaN(res.igDelta()));
        v.put("ig_rel_delta", Double.isNaN(res.igDelta()) ? null : res.igRelDelta());
        return row(v);
    }

    /** The row of one metric value of one map, with its parameters (JSON, sorted) and the reason when it is NaN. */
    static Row metricRow(ImageKey key, String methodId, MetricInfo info, MetricValue mv, String metricParamsJson) {
        Map<String, Object> v = keyColumns(key, KIND_METRIC);
        v.put("method", methodId);
        v.put("metric", info.name());
        v.put("category", info.category().name().toLowerCase());
        v.put("higher_is_better", info.higherIsBetter());
        v.put("value", mv.value());
        v.put("curve", mv.curve() == null ? null : boxed(mv.curve()));
        v.put("metric_params", metricParamsJson);
        v.put("nan_reason", mv.nanReason());
        return row(v);
    }

    /** One meta-evaluation observation: the metric's value under a perturbation, its clean value, the prediction. */
    static Row metaRow(ImageKey key, io.noiselens.metrics.meta.MetaAnalysis.Observation o) {
        Map<String, Object> v = keyColumns(key, KIND_META);
        v.put("method", o.method());
        v.put("metric", o.metric());
        v.put("value", o.perturbed());
        v.put("clean_value", o.clean());
        v.put("meta_test", o.test().key());
        v.put("meta_iteration", o.iteration());
        v.put("meta_perturbation", o.perturbation());
        v.put("prediction_changed", o.predictionChanged());
        return row(v);
    }

    /** The row of an image that could not be decoded, preprocessed or explained: the stage and the reason. */
    static Row errorRow(ImageKey key, String stage, Throwable e) {
        Map<String, Object> v = keyColumns(key, KIND_ERROR);
        v.put("error_stage", stage);
        v.put("error_class", e.getClass().getName());
        v.put("error_message", e.getMessage() == null ? e.toString() : e.getMessage());
        return row(v);
    }

    private static Map<String, Object> keyColumns(ImageKey key, String kind) {
        Map<String, Object> v = new HashMap<>();
        v.put("run_id", key.runId());
        v.put("image_id", key.imageId());
        v.put("path", key.path());
        v.put("label", key.label());
        v.put("label_name", key.labelName());
        v.put("model_id", key.modelId());
        v.put("kind", kind);
        return v;
    }

    /** A results row with the named columns set and every other column null. */
    private static Row row(Map<String, Object> values) {
        Object[] v = new Object[RESULTS.size()];
        for (Map.Entry<String, Object> e : values.entrySet()) v[RESULTS.fieldIndex(e.getKey())] = e.getValue();
        return RowFactory.create(v);
    }

    /** {@code m} as JSON, in its own key order (callers pass a sorted map where the order matters). */
    static String json(Map<String, ?> m) {
        try {
            return JSON.writeValueAsString(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    static Double[] boxed(double[] v) {
        Double[] b = new Double[v.length];
        for (int i = 0; i < v.length; i++) b[i] = v[i];
        return b;
    }

    private static Float[] boxed(float[] v) {
        Float[] b = new Float[v.length];
        for (int i = 0; i < v.length; i++) b[i] = v[i];
        return b;
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private Tables() {}

    public static final StructType RESULTS = new StructType(new StructField[]{
            field("run_id", StringType, false),
            field("image_id", StringType, false),
            field("kind", StringType, false),
            field("path", StringType, true),
            field("label", IntegerType, true),
            field("label_name", StringType, true),
            field("model_id", StringType, true),
            field("method", StringType, true),
            field("base_method", StringType, true),
            field("method_params", StringType, true),
            field("target", IntegerType, true),
            field("target_source", StringType, true),
            field("output_space", StringType, true),
            field("predicted", IntegerType, true),
            field("probability", FloatType, true),
            field("channels", IntegerType, true),
            field("height", IntegerType, true),
            field("width", IntegerType, true),
            field("channel_reduction", StringType, true),
            field("map", DataTypes.createArrayType(FloatType, false), true),
            field("map_min", DoubleType, true),
            field("map_max", DoubleType, true),
            field("map_l1", DoubleType, true),
            field("map_l2", DoubleType, true),
            field("draws", LongType, true),
            field("relative_se", DoubleType, true),
            field("ig_delta", DoubleType, true),
            field("ig_rel_delta", DoubleType, true),
            field("metric", StringType, true),
            field("category", StringType, true),
            field("higher_is_better", BooleanType, true),
            field("value", DoubleType, true),
            field("curve", DataTypes.createArrayType(DoubleType, false), true),
            field("metric_params", StringType, true),
            field("nan_reason", StringType, true),
            field("error_stage", StringType, true),
            field("error_class", StringType, true),
            field("error_message", StringType, true),
            field("meta_test", StringType, true),
            field("meta_iteration", IntegerType, true),
            field("meta_perturbation", IntegerType, true),
            field("clean_value", DoubleType, true),
            field("prediction_changed", BooleanType, true)});

    /** Columns of the attributions table, in order. */
    public static final String[] ATTRIBUTION_COLUMNS = {"image_id", "method", "path", "label", "label_name",
            "model_id", "base_method", "method_params", "target", "target_source", "output_space", "predicted",
            "probability", "channels", "height", "width", "channel_reduction", "map", "map_min", "map_max", "map_l1",
            "map_l2", "draws", "relative_se", "ig_delta", "ig_rel_delta", "run_id"};

    /** Columns of the errors table, in order. */
    public static final String[] ERROR_COLUMNS = {"image_id", "path", "error_stage", "error_class", "error_message",
            "run_id"};

    public static final StructType RUNS_SCHEMA = new StructType(new StructField[]{
            field("status", StringType, false),
            field("started_at", TimestampType, false),
            field("finished_at", TimestampType, false),
            field("duration_s", DoubleType, false),
            field("config_json", StringType, false),
            // With several models (model.paths, model.splits) these three list them, comma-separated, in order.
            field("model_path", StringType, false),
            field("model_id", StringType, false),
            field("model_sha256", StringType, false),
            field("dataset", StringType, false),
            // Per model, what images went through before it: input shape, resize and crop, normalisation.
            field("preprocessing_json", StringType, false),
            field("methods", DataTypes.createArrayType(StringType, false), false),
            field("code_version", StringType, false),
            field("spark_version", StringType, false),
            field("partitions", IntegerType, false),
            field("n_images", LongType, false),
            field("n_attributions", LongType, false),
            field("n_errors", LongType, false),
            field("n_metric_values", LongType, false),
            field("images_per_s", DoubleType, false),
            field("run_id", StringType, false)});

    private static StructField field(String name, org.apache.spark.sql.types.DataType type, boolean nullable) {
        return DataTypes.createStructField(name, type, nullable);
    }
}
