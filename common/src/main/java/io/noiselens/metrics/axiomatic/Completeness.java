package io.noiselens.metrics.axiomatic;

import io.noiselens.metrics.ForwardEvaluator;
import io.noiselens.metrics.Metric;
import io.noiselens.metrics.MetricCategory;
import io.noiselens.metrics.MetricContext;
import io.noiselens.metrics.MetricInfo;
import io.noiselens.metrics.MetricValue;
import io.noiselens.metrics.PerturbBaseline;
import io.noiselens.metrics.Statistic;

import java.util.Map;

/**
 * Completeness (Sundararajan, Taly, Yan, "Axiomatic Attribution for Deep Networks", ICML 2017; Quantus
 * {@code Completeness}, METHODS-2.md §B.6): an attribution is complete when its values sum to the change of the
 * output from the reference x̄ to x, Σ a = f(x) − f(x̄). x̄ is the scored method's own reference (the baseline
 * Integrated Gradients integrates from or DeepLift compares with) and, for methods without one, the image minimum
 * (Quantus's "black"); f is the method's own output (logit or probability). {@code completeness} is the relative
 * residual |Σ a − Δf| / |Δf| (lower is better; its curve holds [Σ a, Δf]), {@code completeness_holds} 1 when that
 * residual is at most {@code tolerance}. Quantus tests exact float equality after normalising the map (so it is
 * almost always False); the residual says how far off a map is. NaN when Δf = 0.
 */
public record Completeness(boolean holds, double tolerance) implements Metric {
    /** The residual below which completeness holds: 1 %, IG's own convergence check in its paper is 5 %. */
    public static final double TOLERANCE = 0.01;

    @Override
    public MetricInfo info() {
        return new MetricInfo(holds ? "completeness_holds" : "completeness", MetricCategory.AXIOMATIC, holds, false,
                Map.of("reference", "the method's baseline, else the image minimum", "output", "the method's output",
                        "residual", "|sum(a) - (f(x) - f(ref))| / |f(x) - f(ref)|", "tolerance", tolerance));
    }

    @Override
    public MetricValue score(MetricContext ctx, int i) {
        double[] f = ctx.get(Outputs.INSTANCE)[i];
        double delta = f[0] - f[1], sum = 0;
        for (float v : ctx.item(i).map()) sum += v;
        if (delta == 0) return MetricValue.nan("f(x) = f(reference): completeness is undefined");
        double residual = Math.abs(sum - delta) / Math.abs(delta);
        return holds ? MetricValue.of(residual <= tolerance ? 1 : 0) : MetricValue.of(residual, new double[]{sum, delta});
    }

    /** Per item, [f(x), f(x̄)] in the scored method's output space. */
    enum Outputs implements Statistic<double[][]> {
        INSTANCE;

        @Override
        public double[][] compute(MetricContext ctx) {
            MetricContext.ScoredMethod m = ctx.scoredMethod();
            int n = ctx.size();
            int[] targets = new int[2 * n];
            float[][] reference = new float[n][];
            for (int i = 0; i < n; i++) {
                targets[2 * i] = targets[2 * i + 1] = ctx.item(i).target();
                reference[i] = m.baseline() != null ? m.baseline() : PerturbBaseline.BLACK.image(ctx, i);
            }
            ForwardEvaluator.Scores s = ctx.evaluate(2 * n, (j, buf, off) -> {
                float[] x = j % 2 == 0 ? ctx.item(j / 2).input() : reference[j / 2];
                System.arraycopy(x, 0, buf, off, x.length);
            }, targets);
            double[] out = s.in(m.output());
            double[][] f = new double[n][];
            for (int i = 0; i < n; i++) f[i] = new double[]{out[2 * i], out[2 * i + 1]};
            return f;
        }
    }
}
