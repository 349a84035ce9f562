package io.noiselens.report;

import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Run over run ({@code noiselens report --compare RUN_ID}): every (method, metric) of this run's summary beside the
 * same of a previous run, the change of the mean, and a flag — better or worse when the two 95 % intervals do not
 * overlap (in the metric's direction), unchanged when they do, new or gone when one run lacks the pair. Runs of one
 * model each are matched by (method, metric), so a nightly run of a retrained model compares with the night before;
 * runs of several models are matched by model too.
 */
final class Comparison {
    /** One compared (model, method, metric). */
    record Change(String model, String method, String metric, String category, boolean higherIsBetter,
                  Double now, Double nowLow, Double nowHigh, Double before, Double beforeLow, Double beforeHigh) {
        String flag() {
            if (before == null) return "new";
            if (now == null) return "gone";
            if (nowLow == null || nowHigh == null || beforeLow == null || beforeHigh == null) return "unchanged";
            if (nowLow > beforeHigh) return higherIsBetter ? "better" : "worse";
            if (nowHigh < beforeLow) return higherIsBetter ? "worse" : "better";
            return "unchanged";
        }
    }

    private Comparison() {}

    /** The changes from {@code before}'s summary rows to {@code now}'s, by category, metric and method. */
    static List<Change> of(List<Row> now, List<Row> before) {
        boolean byModel = models(now) > 1 || models(before) > 1;
        Map<List<String>, Row[]> pairs = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        for (Row r : now) pairs.computeIfAbsent(key(r, byModel), k -> new Row[2])[0] = r;
        for (Row r : before) pairs.computeIfAbsent(key(r, byModel), k -> new Row[2])[1] = r;
        List<Change> out = new ArrayList<>();
        for (Row[] p : pairs.values()) {
            Row any = p[0] != null ? p[0] : p[1];
            out.add(new Change(byModel ? any.getAs("model_id") : "", any.getAs("method"), any.getAs("metric"),
                    any.getAs("category"), any.<Boolean>getAs("higher_is_better"), get(p[0], "mean"), get(p[0], "ci95_low"),
                    get(p[0], "ci95_high"), get(p[1], "mean"), get(p[1], "ci95_low"), get(p[1], "ci95_high")));
        }
        return out;
    }

    /** The changes as the template's rows, flagged ones first. */
    static List<Map<String, Object>> rows(List<Change> changes) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Change c : changes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("flag", c.flag());
            m.put("flagged", !c.flag().equals("unchanged"));
            m.put("category", c.category());
            m.put("metric", c.metric());
            m.put("method", c.method());
            m.put("model", c.model());
            m.put("now", Report.num(c.now()) + " [" + Report.num(c.nowLow()) + ", " + Report.num(c.nowHigh()) + "]");
            m.put("before", Report.num(c.before()) + " [" + Report.num(c.beforeLow()) + ", " + Report.num(c.beforeHigh()) + "]");
            m.put("delta", c.now() == null || c.before() == null ? "—" : Report.num(c.now() - c.before()));
            out.add(m);
        }
        out.sort(java.util.Comparator.comparing(m -> !(Boolean) m.get("flagged")));
        return out;
    }

    private static long models(List<Row> rows) {
        return rows.stream().map(r -> r.<String>getAs("model_id")).distinct().count();
    }

    private static List<String> key(Row r, boolean byModel) {
        return List.of(r.getAs("category"), r.getAs("metric"), r.getAs("method"), byModel ? r.getAs("model_id") : "");
    }

    private static Double get(Row r, String field) {
        return r == null || r.isNullAt(r.fieldIndex(field)) ? null : r.getAs(field);
    }
}
