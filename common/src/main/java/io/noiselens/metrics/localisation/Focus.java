package io.noiselens.metrics.localisation;

import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Statistic;
import io.noiselens.random.KeyedRandom;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Focus (Arias-Duart, Parés, Garcia-Gasulla, Giménez-Ábalos, "Focus! Rating XAI Methods and Finding Biases", FUZZ-IEEE
 * 2022; Quantus {@code Focus}, METHODS-2.md §B.3): the method explains its target class on a 2×2 mosaic of which two
 * tiles show that class, and Focus = Σ_{target tiles} a⁺ / (Σ a⁺ + 10⁻⁹), a⁺ = max(a, 0). Higher is better: a
 * faithful map puts its positive relevance on the class's tiles. Here the two target tiles are the image and its
 * mirror image, and the other two are images of other classes from the run's partner pool (a fixed set of labelled
 * images the job draws from the whole dataset by a hash of (run seed, image id)), the first two of the pool whose
 * label differs from the target in an order keyed by the image; the tiles' places are keyed by the image too, and
 * each tile is its image shrunk by area averaging to H/2 × W/2 (rows and columns split at H//2, W//2), so the mosaic
 * has the model's input size. Quantus mosaics four dataset images at twice the size, two of the target class: its
 * pairs depend on the batch, and a fixed-size model cannot read them. NaN when the pool holds fewer than two images
 * of other classes.
 */
public final class Focus implements Metric {
    static final double EPS = 1e-9;

    @Override
    public MetricInfo info() {
        return new MetricInfo("focus", MetricCategory.LOCALISATION, true, false, Map.of("mosaic",
                "2x2 of input size: the image, its mirror, two pool images of other classes", "tiles",
                "area-averaged to H/2 x W/2, places keyed by (run seed, image id)", "relevance", "positive part"));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        Mosaics m = ctx.get(Mosaics.INSTANCE);
        if (m.layouts()[i] == null) {
            return MetricValue.nan("the partner pool has fewer than two images of classes other than the target");
        }
        float[] h = ctx.heatmapOf(m.maps()[i]);
        int height = ctx.spec().height(), width = ctx.spec().width();
        double inside = 0, total = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double v = Math.max(0, h[y * width + x]);
                total += v;
                if (m.layouts()[i][tile(y, x, height, width)]) inside += v;
            }
        }
        return MetricValue.of(inside / (total + EPS));
    }

    /** The tile (0 TL, 1 TR, 2 BL, 3 BR) of pixel (y, x), split at H//2, W//2 as Quantus does. */
    static int tile(int y, int x, int height, int width) {
        return (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
    }

    /** Per item, which tiles show the target (null: no mosaic) and the method's map of the mosaic. */
    record Mosaics(boolean[][] layouts, float[][] maps) {
        static final Statistic<Mosaics> INSTANCE = ctx -> {
            int n = ctx.size();
            boolean[][] layouts = new boolean[n][];
            List<float[]> inputs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            List<Integer> targets = new ArrayList<>(), rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                MetricContext.Item it = ctx.item(i);
                List<MetricContext.Partner> others = others(ctx, it);
                if (others.size() < 2) continue;
                long key = KeyedRandom.key(ctx.seed(), KeyedRandom.Purpose.PERTURBATION, KeyedRandom.hash(it.id()),
                        KeyedRandom.hash("focus/layout"));
                // Two of the four tiles for the target: one of the six layouts.
                int[][] pairs = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
                int[] pick = pairs[(int) (KeyedRandom.uniform(key, 0) * pairs.length)];
                layouts[i] = new boolean[4];
                layouts[i][pick[0]] = layouts[i][pick[1]] = true;
                float[][] tiles = new float[4][];
                tiles[pick[0]] = it.input();
                tiles[pick[1]] = mirror(it.input(), ctx.spec().channels(), ctx.spec().height(), ctx.spec().width());
                int o = 0;
                for (int t = 0; t < 4; t++) if (tiles[t] == null) tiles[t] = others.get(o++).input();
                inputs.add(mosaic(tiles, ctx.spec().channels(), ctx.spec().height(), ctx.spec().width()));
                ids.add(it.id() + "#focus");
                targets.add(it.target());
                rows.add(i);
            }
            float[][] maps = new float[n][];
            if (!inputs.isEmpty()) {
                float[][] out = ctx.reexplain(inputs, ids, targets.stream().mapToInt(Integer::intValue).toArray(),
                        MetricContext.Variant.SAME);
                for (int k = 0; k < out.length; k++) maps[rows.get(k)] = out[k];
            }
            return new Mosaics(layouts, maps);
        };

        /** The pool's images of other classes than the item's target, in an order keyed by the item. */
        private static List<MetricContext.Partner> others(MetricContext ctx, MetricContext.Item it) {
            long key = KeyedRandom.key(ctx.seed(), KeyedRandom.Purpose.PERTURBATION, KeyedRandom.hash(it.id()),
                    KeyedRandom.hash("focus/partners"));
            List<MetricContext.Partner> out = new ArrayList<>();
            for (MetricContext.Partner p : ctx.partners()) if (p.label() != it.target()) out.add(p);
            out.sort(Comparator.comparingLong(p -> KeyedRandom.bits(key, KeyedRandom.hash(p.id()))));
            return out.size() > 2 ? out.subList(0, 2) : out;
        }
    }

    /** The image flipped left to right. */
    static float[] mirror(float[] x, int channels, int height, int width) {
        float[] y = new float[x.length];
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < height; r++) {
                int row = (c * height + r) * width;
                for (int q = 0; q < width; q++) y[row + q] = x[row + width - 1 - q];
            }
        }
        return y;
    }

    /** Four images, each shrunk by area averaging into its tile of an input-sized mosaic (TL, TR, BL, BR). */
    static float[] mosaic(float[][] tiles, int channels, int height, int width) {
        float[] out = new float[channels * height * width];
        int h0 = height / 2, w0 = width / 2;
        for (int t = 0; t < 4; t++) {
            int y0 = t < 2 ? 0 : h0, x0 = t % 2 == 0 ? 0 : w0;
            int th = t < 2 ? h0 : height - h0, tw = t % 2 == 0 ? w0 : width - w0;
            for (int c = 0; c < channels; c++) {
                for (int r = 0; r < th; r++) {
                    for (int q = 0; q < tw; q++) {
                        out[(c * height + y0 + r) * width + x0 + q] = area(tiles[t], c, height, width,
                                (double) r * height / th, (double) (r + 1) * height / th,
                                (double) q * width / tw, (double) (q + 1) * width / tw);
                    }
                }
            }
        }
        return out;
    }

    /** The mean of channel c of x over the real-valued window [ya, yb) × [xa, xb), pixels weighted by their overlap. */
    private static float area(float[] x, int c, int height, int width, double ya, double yb, double xa, double xb) {
        double sum = 0, weight = 0;
        for (int y = (int) ya; y < Math.min(height, (int) Math.ceil(yb)); y++) {
            double wy = Math.min(yb, y + 1) - Math.max(ya, y);
            for (int q = (int) xa; q < Math.min(width, (int) Math.ceil(xb)); q++) {
                double w = wy * (Math.min(xb, q + 1) - Math.max(xa, q));
                sum += w * x[(c * height + y) * width + q];
                weight += w;
            }
        }
        return (float) (sum / weight);
    }
}
