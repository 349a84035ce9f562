package io.noiselens.metrics.adversarial;

import io.noiselens.adversarial.Pgd;
import io.noiselens.attribution.ChannelReduction;
import io.noiselens.metrics.ForwardEvaluator;
import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.Statistic;
import io.noiselens.metrics.MapsOn;
import io.noiselens.metrics.PercentileScaling;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Class retrieval from adversarial examples (Lim, Lee, Kim, CVPR 2021; code {@code utils/evaluations.RetrievalRate};
 * METHODS.md §9.1). With c the explained class of the clean image x, x′ = PGD(x) against c, s = S(x, c) and
 * s′ = S(x′, c) the method's maps normalised to masks — |map| summed over channels, (v − min)/(p99 − min), clipped
 * to [0, 1], broadcast over channels, applied by element-wise product in model-input space — the image is
 * retrieved when argmax f(x′ ⊙ s′) = c. The curve holds the four outcomes the reference reports,
 * [x′⊙s′, x⊙s, x′⊙s, x⊙s′] (1 = class c), and whether the attack changed the prediction. Where it did not, the
 * value is NaN with that reason, so the summary's mean is the retrieval rate over adversarial examples. Higher is
 * better. Adversarial inputs and their maps are computed once per batch, batched.
 */
public record AdversarialRetrieval(Pgd attack) implements Metric {

    @Override
    public MetricInfo info() {
        Map<String, Object> p = new LinkedHashMap<>(attack.params());
        p.put("mask", "|map| channel sum, (v - min)/(p99 - min), clip [0,1]");
        p.put("curve", "[x_adv*s_adv, x*s, x_adv*s, x*s_adv] retrieved, attack changed the prediction");
        return new MetricInfo("adversarial_retrieval", MetricCategory.ADVERSARIAL, true, false, p);
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        if (!ctx.canReexplain()) return MetricValue.nan("the method cannot be re-run in this context");
        double[] c = ctx.get(new Outcomes(this))[i];
        if (c[4] == 0) return new MetricValue(Double.NaN, c, "the attack did not change the prediction");
        return MetricValue.of(c[0], c);
    }

    private double[][] outcomes(MetricContext ctx) {
        int n = ctx.size(), plane = ctx.pixels(), size = ctx.spec().inputSize();
        List<float[]> clean = ctx.inputs();
        int[] targets = ctx.targets();
        AdversarialInputs inputs = new AdversarialInputs(attack);
        List<float[]> adv = ctx.get(inputs);
        float[][] advMaps = ctx.get(new MapsOn(inputs, "adversarial/" + attack));
        float[][] masks = new float[n][], advMasks = new float[n][];
        for (int i = 0; i < n; i++) {
            masks[i] = mask(ctx.item(i).map(), plane);
            advMasks[i] = mask(advMaps[i], plane);
        }
        // Rows: per item, the adversarial input itself, then the four masked inputs.
        int[] t = new int[n * 5];
        for (int j = 0; j < t.length; j++) t[j] = targets[j / 5];
        ForwardEvaluator.Scores s = ctx.evaluate(n * 5, (j, buf, off) -> {
            int i = j / 5, kind = j % 5;
            float[] x = kind == 0 || kind == 1 || kind == 3 ? adv.get(i) : clean.get(i);
            float[] m = kind == 0 ? null : kind == 1 || kind == 4 ? advMasks[i] : masks[i];
            for (int k = 0; k < size; k++) buf[off + k] = m == null ? x[k] : x[k] * m[k % plane];
        }, t);
        double[][] out = new double[n][5];
        for (int i = 0; i < n; i++) {
            for (int kind = 1; kind < 5; kind++) out[i][kind - 1] = s.argmax()[i * 5 + kind] == targets[i] ? 1 : 0;
            out[i][4] = s.argmax()[i * 5] == targets[i] ? 0 : 1;
        }
        return out;
    }

    /** The batch's retrieval outcomes of {@code metric}. */
    private record Outcomes(AdversarialRetrieval metric) implements Statistic<double[][]> {
        @Override
        public double[][] compute(MetricContext ctx) {
            return metric.outcomes(ctx);
        }
    }

    /** The attack's adversarial inputs: they depend on the images and classes only, so every method shares them. */
    private record AdversarialInputs(Pgd attack) implements Statistic<List<float[]>> {
        @Override
        public List<float[]> compute(MetricContext ctx) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < ctx.size(); i++) ids.add(ctx.item(i).id());
            return attack.attack(ctx.model(), ctx.inputs(), ids, ctx.targets(), ctx.seed(), 64);
        }

        @Override
        public boolean methodIndependent() {
            return true;
        }
    }

    /** Lim et al.'s normalisation of a gradient-type map into an H×W mask in [0, 1]. */
    static float[] mask(float[] map, int plane) {
        float[] h = ChannelReduction.ABS_SUM.apply(map, map.length / plane, plane);
        double[] v = new double[plane];
        for (int k = 0; k < plane; k++) v[k] = h[k];
        PercentileScaling.scale(v, 0.99);
        float[] out = new float[plane];
        for (int k = 0; k < plane; k++) out[k] = (float) v[k];
        return out;
    }
}
