package io.noiselens.report;

import io.noiselens.config.JobConfig;
import io.noiselens.job.GalleryInputs;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's gallery (METHODS.md §12, Captum's {@code visualize_image_attr_multiple}): for each chosen image, the
 * input with its object mask's outline, the model's prediction and probability, and every method's map in each
 * configured view (heat map, blended over the greyscale input) and sign filter, as inline PNGs. The inputs are read
 * again from the run's dataset ({@link GalleryInputs}); the maps come from the attributions table.
 */
final class Gallery {
    private Gallery() {}

    /**
     * The gallery of run {@code t}, drawn with {@code options}; {@code config} is the run's recorded configuration
     * (null when this version cannot read it: the maps are drawn without their inputs) and {@code input} the models'
     * input shape C×H×W.
     */
    static List<Map<String, Object>> of(RunTables t, JobConfig.Report options, JobConfig config, int[] input) {
        Map<String, String> why = t.galleryImages(options.galleryMetrics(), options.galleryImages());
        if (why.isEmpty()) return List.of();
        List<Row> maps = t.maps(why.keySet());
        Map<String, GalleryInputs.Input> inputs = inputs(t, config, maps, input);
        Map<Integer, String> classes = t.classNames();
        Map<String, Map<String, Object>> images = new LinkedHashMap<>();
        for (String id : why.keySet()) images.put(id, null);
        for (Row r : maps) {
            String id = r.getAs("image_id");
            GalleryInputs.Input in = inputs.get(id);
            Map<String, Object> img = images.get(id);
            if (img == null) images.put(id, img = header(r, why.get(id), in, input, classes));
            Map<String, Object> cell = new LinkedHashMap<>();
            cell.put("method", r.getAs("method"));
            cell.put("model", r.getAs("model_id"));
            cell.put("views", views(r, in, input, options));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> cells = (List<Map<String, Object>>) img.get("maps");
            cells.add(cell);
        }
        boolean severalModels = maps.stream().map(r -> r.<String>getAs("model_id")).distinct().count() > 1;
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> img : images.values()) {
            if (img == null) continue;
            img.put("severalModels", severalModels);
            out.add(img);
        }
        return out;
    }

    /** An image's row head: why it was chosen, its label and prediction, and its input with the mask outlined. */
    private static Map<String, Object> header(Row r, String why, GalleryInputs.Input in, int[] input,
                                              Map<Integer, String> classes) {
        Map<String, Object> img = new LinkedHashMap<>();
        img.put("id", r.getAs("image_id"));
        img.put("why", why);
        img.put("label", r.getAs("label_name") == null ? "—" : r.getAs("label_name"));
        Integer predicted = r.getAs("predicted");
        img.put("predicted", predicted == null ? "—" : classes.getOrDefault(predicted, "class " + predicted));
        img.put("probability", String.format(Locale.ROOT, "%.3f", r.<Float>getAs("probability")));
        if (drawable(in, input)) {
            img.put("input", Heatmaps.dataUri(Heatmaps.outline(Heatmaps.original(in.pixels(), input[0], input[1], input[2]),
                    in.mask())));
        }
        img.put("inputProblem", in == null ? "not read" : in.problem());
        img.put("hasMask", in != null && in.mask() != null);
        img.put("maps", new ArrayList<Map<String, Object>>());
        return img;
    }

    /** One map drawn in every configured view and sign (blended views only where the input could be read). */
    private static List<Map<String, Object>> views(Row r, GalleryInputs.Input in, int[] input, JobConfig.Report options) {
        List<Float> m = r.getList(r.fieldIndex("map"));
        float[] a = new float[m.size()];
        for (int k = 0; k < a.length; k++) a[k] = m.get(k);
        int c = r.getAs("channels"), h = r.getAs("height"), w = r.getAs("width");
        boolean blend = drawable(in, input) && input[1] == h && input[2] == w;
        boolean[] mask = in == null ? null : in.mask();
        // Each sign's heat map is drawn once: it is a view of its own and the layer of the blended view.
        Map<String, java.awt.image.BufferedImage> heatMaps = new java.util.HashMap<>();
        List<Map<String, Object>> views = new ArrayList<>();
        for (String view : options.views()) {
            boolean heat = view.equals("heat_map");
            if (!heat && !blend) continue;
            for (String sign : options.signs()) {
                java.awt.image.BufferedImage map = heatMaps.computeIfAbsent(sign,
                        k -> Heatmaps.render(a, c, h, w, Heatmaps.Sign.of(k), options.outlierPercent()));
                java.awt.image.BufferedImage drawn = heat ? map : Heatmaps.blended(map, in.pixels(), input[0]);
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("kind", heat ? "heatmap" : "overlay");
                v.put("caption", (heat ? "" : "over input, ") + sign);
                v.put("src", Heatmaps.dataUri(Heatmaps.outline(drawn, mask)));
                views.add(v);
            }
        }
        return views;
    }

    private static boolean drawable(GalleryInputs.Input in, int[] input) {
        return in != null && in.pixels() != null && in.pixels().length == input[0] * input[1] * input[2];
    }

    /** The inputs of the gallery's images, or none (with the reason) when the run's configuration cannot be read. */
    private static Map<String, GalleryInputs.Input> inputs(RunTables t, JobConfig config, List<Row> maps, int[] input) {
        Map<String, Row> first = new LinkedHashMap<>();
        for (Row r : maps) first.putIfAbsent(r.getAs("image_id"), r);
        if (config == null) {
            Map<String, GalleryInputs.Input> out = new LinkedHashMap<>();
            for (String id : first.keySet()) out.put(id, new GalleryInputs.Input(null, null,
                    "the run's recorded configuration cannot be read by this version"));
            return out;
        }
        return GalleryInputs.load(t.spark(), config, input[0], input[1], input[2], new ArrayList<>(first.values()));
    }
}
