package io.noiselens.attribution.propagation;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.DrawPoint;
import io.noiselens.attribution.DrawState;
import io.noiselens.attribution.Evaluation;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Rescale;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * DeepLift with the Rescale rule (Shrikumar, Greenside, Kundaje, ICML 2017; Captum's {@code DeepLift};
 * METHODS-2.md §A.8): A = (x − x′) ⊙ m, m the input gradient of the model built with secant multipliers at every
 * elementwise nonlinearity ({@link Rescale}), x′ the baseline (zero by default, Captum's). Summation to delta:
 * Σ A = f(x) − f(x′) where every nonlinearity is rescaled (max pooling keeps its gradient, so networks with max
 * pooling meet it approximately); the engine stores the residual as the convergence delta.
 */
public final class DeepLift implements BaseExplainer {
    private final Baseline baseline;

    public DeepLift(Baseline baseline) {
        this.baseline = baseline;
    }

    @Override
    public String name() {
        return "deeplift";
    }

    @Override
    public Evaluation evaluation(ModelSpec spec) {
        Propagations.requireCnn(spec, "DeepLift");
        return Evaluation.relevance(new Rescale(baseline.image(spec)));
    }

    @Override
    public Baseline baseline() {
        return baseline;
    }

    @Override
    public boolean complete() {
        return true;
    }

    @Override
    public DrawState start(DrawPoint p) {
        float[] z = p.z(), b = p.reference();
        return DrawState.oneRow(z, m -> {
            float[] map = new float[z.length];
            for (int i = 0; i < map.length; i++) map[i] = (z[i] - b[i]) * m[i];
            return map;
        });
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("baseline", baseline.name().toLowerCase(Locale.ROOT));
        m.put("rule", "rescale");
        m.put("rescaled", "relu, leaky_relu, sigmoid, hard_sigmoid, clip");
        m.put("max_pool", "gradient");
        m.put("eps", Rescale.EPS);
        m.put("eps_relative", Rescale.RELATIVE);
        m.put("multiply_by_inputs", true);
        return m;
    }
}
