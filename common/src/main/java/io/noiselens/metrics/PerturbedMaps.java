package io.noiselens.metrics;

import io.noiselens.random.KeyedRandom;

import java.util.ArrayList;
import java.util.List;

/**
 * The scored method's heat maps of {@code samples} perturbed copies of every item, for the item's own target
 * (Max- and Avg-Sensitivity share one set). Copy k of item i is drawn from the stream keyed by (seed, item id,
 * perturbation key, k) and re-explained with the id {@code "<item>#<perturbation key>#<k>"}, so its noise is
 * the same however the batch is composed.
 */
public record PerturbedMaps(InputPerturbation perturbation, int samples) implements Statistic<PerturbedMaps.Maps> {
    /** Heat maps of the copies, [item][sample], with ‖x − x_k‖₂ per copy. */
    public record Maps(float[][][] heatmaps, double[][] inputDistances) {}

    /** Copy {@code s} of item {@code i}: the input the maps of copy s were made from, regenerated from its key. */
    public static float[] copy(MetricContext ctx, InputPerturbation perturbation, int i, int s) {
        MetricContext.Item it = ctx.item(i);
        return perturbation.apply(it.input(), KeyedRandom.key(ctx.seed(), KeyedRandom.Purpose.INPUT,
                KeyedRandom.hash(it.id()), KeyedRandom.hash(perturbation.key()), s), s);
    }

    @Override
    public Maps compute(MetricContext ctx) {
        String key = perturbation.key();
        int n = ctx.size(), total = n * samples;
        float[][][] out = new float[n][samples][];
        double[][] dist = new double[n][samples];
        // One forward micro-batch of copies at a time: the copies and their full maps are dropped once reduced to
        // heat maps, so the working set is the chunk plus n·samples heat maps, not n·samples inputs and maps.
        int chunk = (int) Math.min(Math.max(1, total), ctx.microBatch());
        for (int from = 0; from < total; from += chunk) {
            int count = Math.min(chunk, total - from);
            List<float[]> inputs = new ArrayList<>(count);
            List<String> ids = new ArrayList<>(count);
            int[] targets = new int[count];
            for (int j = 0; j < count; j++) {
                int i = (from + j) / samples, s = (from + j) % samples;
                MetricContext.Item it = ctx.item(i);
                float[] xs = copy(ctx, perturbation, i, s);
                double d = 0;
                for (int q = 0; q < xs.length; q++) d += (double) (xs[q] - it.input()[q]) * (xs[q] - it.input()[q]);
                dist[i][s] = Math.sqrt(d);
                inputs.add(xs);
                ids.add(it.id() + "#" + key + "#" + s);
                targets[j] = it.target();
            }
            float[][] maps = ctx.reexplain(inputs, ids, targets, MetricContext.Variant.SAME);
            for (int j = 0; j < count; j++) out[(from + j) / samples][(from + j) % samples] = ctx.heatmapOf(maps[j]);
        }
        return new Maps(out, dist);
    }
}
