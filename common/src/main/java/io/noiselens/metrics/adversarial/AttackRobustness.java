package io.noiselens.metrics.adversarial;

import io.noiselens.adversarial.ExplanationAttack;
import io.noiselens.attribution.ChannelReduction;
import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Statistic;
import io.noiselens.metrics.MapsOn;
import io.noiselens.metrics.Similarity;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Explanation-attack robustness (Ghorbani, Abid, Zou, AAAI 2019; METHODS.md §9.2): every image is attacked once
 * per batch with {@link ExplanationAttack} (the top-k attack on the simple-gradient saliency, prediction kept),
 * the method re-explains the attacked image for the same class, and the two maps — |map| summed over channels —
 * are compared by top-k intersection |top_k(S) ∩ top_k(S′)| / k or by Spearman rank correlation. Higher is
 * more robust.
 */
public final class AttackRobustness implements Metric {
    /** How the original and the attacked maps are compared. */
    public enum Measure { TOP_K_INTERSECTION, SPEARMAN }

    private final ExplanationAttack attack;
    private final Measure measure;

    public AttackRobustness(ExplanationAttack attack, Measure measure) {
        this.attack = attack;
        this.measure = measure;
    }

    @Override
    public MetricInfo info() {
        Map<String, Object> p = new LinkedHashMap<>(attack.params());
        p.put("similarity", measure.name().toLowerCase());
        p.put("maps", "|map| summed over channels");
        return new MetricInfo(measure == Measure.SPEARMAN ? "attack_spearman" : "attack_top_k_intersection",
                MetricCategory.ADVERSARIAL, true, false, p);
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        int plane = ctx.pixels();
        float[] before = absSum(ctx.item(i).map(), plane);
        float[] after = absSum(ctx.get(new MapsOn(new AttackedInputs(attack), "ghorbani/" + attack))[i], plane);
        if (measure == Measure.SPEARMAN) return MetricValue.of(Similarity.spearman(before, after));
        int k = attack.k(plane);
        return MetricValue.of(ExplanationAttack.intersection(ExplanationAttack.topK(toDouble(before), k),
                ExplanationAttack.topK(toDouble(after), k), k));
    }

    /** The attacked inputs: they depend on the images and classes only, so every method shares them. */
    private record AttackedInputs(ExplanationAttack attack) implements Statistic<List<float[]>> {
        @Override
        public List<float[]> compute(MetricContext ctx) {
            return attack.attack(ctx.model(), ctx.inputs(), ctx.targets(), 64);
        }

        @Override
        public boolean methodIndependent() {
            return true;
        }
    }

    private static float[] absSum(float[] map, int plane) {
        return ChannelReduction.ABS_SUM.apply(map, map.length / plane, plane);
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int k = 0; k < v.length; k++) d[k] = v[k];
        return d;
    }
}
