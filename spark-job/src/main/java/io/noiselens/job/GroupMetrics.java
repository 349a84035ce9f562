package io.noiselens.job;

import io.noiselens.config.JobConfig;
import io.noiselens.metrics.GroupMetric;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.catalogue.MetricCatalogue;
import io.noiselens.random.KeyedRandom;
import org.apache.spark.api.java.function.FlatMapGroupsFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@link GroupMetric}s (sufficiency, consistency): the {@code attributions} table grouped by (model, method, group)
 * where an image's group is a hash of (run seed, image id) into max(1, round(images / 64)) groups — the same groups
 * however the run was partitioned or retried — and each group's maps scored together on one executor. Rows go to
 * the {@code metrics} table like every other value.
 */
final class GroupMetrics {
    private GroupMetrics() {}

    /** The requested group metrics as {@code metrics} rows; null when none is requested. */
    static Dataset<Row> of(Dataset<Row> attributions, JobConfig cfg, String runId, long images) {
        if (MetricCatalogue.createGroups(cfg.metrics().names(), cfg.metrics().settings()).isEmpty()) return null;
        int groups = (int) Math.max(1, Math.round(images / (double) GroupMetric.GROUP_SIZE));
        long seed = cfg.run().seed();
        StructField[] fields = new StructField[Tables.METRIC_COLUMNS.length];
        for (int k = 0; k < fields.length; k++) fields[k] = Tables.RESULTS.apply(Tables.METRIC_COLUMNS[k]);
        StructType schema = new StructType(fields);
        return attributions.select("image_id", "method", "model_id", "label", "label_name", "predicted", "map", "height", "width")
                .groupByKey((MapFunction<Row, String>) r -> r.getAs("model_id") + "\u0000" + r.getAs("method") + "\u0000"
                        + group(seed, r.getAs("image_id"), groups), Encoders.STRING())
                .flatMapGroups((FlatMapGroupsFunction<String, Row, Row>) (key, it) -> score(cfg, runId, groups, it).iterator(),
                        Encoders.row(schema));
    }

    /** Image {@code id}'s group among {@code groups}. */
    static int group(long seed, String id, int groups) {
        return (int) Math.floorMod(KeyedRandom.mix64(seed ^ KeyedRandom.hash(id)), (long) groups);
    }

    private static List<Row> score(JobConfig cfg, String runId, int groups, java.util.Iterator<Row> it) {
        List<Row> rows = new ArrayList<>();
        it.forEachRemaining(rows::add);
        rows.sort(Comparator.comparing(r -> r.<String>getAs("image_id")));
        List<float[]> maps = new ArrayList<>();
        int[] predicted = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            List<Float> m = rows.get(i).getList(rows.get(i).fieldIndex("map"));
            float[] a = new float[m.size()];
            for (int k = 0; k < a.length; k++) a[k] = m.get(k);
            maps.add(a);
            predicted[i] = rows.get(i).getAs("predicted");
        }
        Row first = rows.get(0);
        GroupMetric.Group group = new GroupMetric.Group(maps, predicted, first.getAs("height"), first.getAs("width"));
        List<Row> out = new ArrayList<>();
        for (GroupMetric metric : MetricCatalogue.createGroups(cfg.metrics().names(), cfg.metrics().settings())) {
            MetricInfo info = metric.info();
            Map<String, Object> params = new TreeMap<>(info.params());
            params.put("groups", groups);
            params.put("group_images", rows.size());
            String json = Tables.json(params);
            MetricValue[] v = metric.scores(group);
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                out.add(RowFactory.create(r.getAs("image_id"), r.getAs("method"), info.name(), r.getAs("label"),
                        r.getAs("label_name"), r.getAs("model_id"), info.category().name().toLowerCase(),
                        info.higherIsBetter(), v[i].value(), v[i].curve() == null ? null : Tables.boxed(v[i].curve()), json,
                        v[i].nanReason(), runId));
            }
        }
        return out;
    }
}
