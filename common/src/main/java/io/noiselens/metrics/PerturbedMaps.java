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
        int n = ctx.size();
        float[][][] out = new float[n][samples][];
        double[][] dist = new double[n][samples];
        forEach(ctx, perturbation, samples, MetricContext.Variant.SAME, (i, s, copy, heatmap) -> {
            float[] x = ctx.item(i).input();
            double d = 0;
            for (int q = 0; q < copy.length; q++) d += (double) (copy[q] - x[q]) * (copy[q] - x[q]);
            dist[i][s] = Math.sqrt(d);
            out[i][s] = heatmap;
        });
        return new Maps(out, dist);
    }

    /** Receives copy s of item i and the heat map the method (or its variant) makes of it. */
    @FunctionalInterface
    public interface CopyConsumer {
        void accept(int i, int s, float[] copy, float[] heatmap);
    }

    /**
     * Re-explains {@code samples} keyed copies of every item with {@code variant} of the method, one forward
     * micro-batch of copies at a time: a copy and its full map are dropped once {@code consumer} has its heat map, so
     * the working set is one chunk, whatever the consumer keeps.
     */
    public static void forEach(MetricContext ctx, InputPerturbation perturbation, int samples,
                               MetricContext.Variant variant, CopyConsumer consumer) {
        String key = perturbation.key();
        int total = ctx.size() * samples;
        int chunk = (int) Math.min(Math.max(1, total), ctx.microBatch());
        for (int from = 0; from < total; from += chunk) {
            int count = Math.min(chunk, total - from);
            List<float[]> inputs = new ArrayList<>(count);
            List<String> ids = new ArrayList<>(count);
            int[] targets = new int[count];
            for (int j = 0; j < count; j++) {
                int i = (from + j) / samples, s = (from + j) % samples;
                MetricContext.Item it = ctx.item(i);
                inputs.add(copy(ctx, perturbation, i, s));
                ids.add(it.id() + "#" + key + "#" + s);
                targets[j] = it.target();
            }
            float[][] maps = ctx.reexplain(inputs, ids, targets, variant);
            for (int j = 0; j < count; j++) {
                consumer.accept((from + j) / samples, (from + j) % samples, inputs.get(j), ctx.heatmapOf(maps[j]));
            }
        }
    }
}
