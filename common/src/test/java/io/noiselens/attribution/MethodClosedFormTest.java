package io.noiselens.attribution;

import io.noiselens.methods.MethodCatalogue;
import io.noiselens.methods.Methods;
import io.noiselens.model.Architectures;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.noise.InputNoise;
import io.noiselens.random.KeyedRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every method on the linear and the piecewise-linear (ReLU MLP) model against an independent float64
 * computation: the closed-form gradient of {@link ReferenceMlp} inside a plain loop over replicas, samples and
 * path points written from the definitions in METHODS.md §2–3 (Captum-style matrix: model × method × options).
 */
class MethodClosedFormTest {
    static final long SEED = 20261124L;
    static final int C = 2, H = 5, W = 4, K = 3;

    static ModelSpec spec(String arch) {
        return new ModelSpec(arch, C, H, W, K, List.of("a", "b", "c"),
                new Preprocessing(new float[]{0.4f, 0.5f}, new float[]{0.2f, 0.25f}, new float[]{0.3f, 0.6f}));
    }

    static Stream<Arguments> cases() {
        List<Function<Methods.Builder, Methods.Builder>> variants = List.of(
                b -> b,
                b -> b.output(OutputSpace.PROBABILITY),
                b -> b.output(OutputSpace.LOG_PROBABILITY),
                b -> b.abs(AbsMode.BEFORE_AGGREGATION).channelReduction(ChannelReduction.NONE),
                b -> b.abs(AbsMode.AFTER_AGGREGATION).channelReduction(ChannelReduction.MAX_ABS),
                b -> b.target(TargetSource.LABEL).channelReduction(ChannelReduction.ABS_SUM));
        List<Arguments> out = new ArrayList<>();
        for (String arch : List.of("linear", "mlp")) {
            for (String kind : MethodCatalogue.kinds()) {
                if (Methods.builder(kind).build().driver() != null) continue;   // optimisations: their own tests
                // The gradient family here; CAM and perturbation methods against their closed forms elsewhere.
                if (!(Methods.builder(kind).build().base() instanceof PathExplainer)) continue;
                java.util.Set<String> keys = new java.util.HashSet<>();
                MethodCatalogue.family(kind).keys().forEach(k -> keys.add(k.path()));
                for (int v = 0; v < variants.size(); v++) {
                    // Each family gets the noise keys it reads.
                    Methods.Builder b = Methods.builder(kind);
                    if (keys.contains("replicas")) b.replicas(3).sigmaW(0.3);
                    if (keys.contains("samples")) b.samples(4).inputNoise(0.2, InputNoise.Mode.RANGE_FRACTION);
                    out.add(Arguments.of(arch, variants.get(v).apply(b).id(kind + "#" + v).build()));
                }
            }
            // Noise plans over other base explainers: NoiseGrad over IG, SmoothGrad over Gradient × Input, …
            out.add(Arguments.of(arch, Methods.builder("noisegrad").replicas(3).sigmaW(0.3)
                    .base(Methods.integratedGradients(8, Quadrature.RIEMANN_TRAPEZOID, Baseline.BLACK))
                    .abs(AbsMode.BEFORE_AGGREGATION).id("ng_ig").build()));
            out.add(Arguments.of(arch, Methods.builder("smoothgrad").samples(5).base(new GradientXInput())
                    .inputNoise(0.3, InputNoise.Mode.ABSOLUTE).id("sg_gxi").build()));
            out.add(Arguments.of(arch, Methods.builder("fusiongrad").replicas(2).samples(3)
                    .base(Methods.integratedGradients(5, Quadrature.RIEMANN_MIDDLE, Baseline.MEAN)).id("fg_ig").build()));
            out.add(Arguments.of(arch, Methods.builder("vargrad").samples(6)
                    .base(Methods.integratedGradients(4, Quadrature.RIEMANN_LEFT, Baseline.ZERO)).id("vg_ig").build()));
            for (Quadrature q : Quadrature.values()) {
                out.add(Arguments.of(arch, Methods.builder("integrated_gradients")
                        .id("ig_" + q).build().withBase(Methods.integratedGradients(7, q, Baseline.BLACK))));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void engineMatchesReference(String arch, AttributionMethod method) {
        ModelSpec spec = spec(arch);
        ModelWeights w = Architectures.initialWeights(spec, 3);
        List<String> ids = List.of("img-a", "img-b", "img-c");
        List<float[]> xs = new ArrayList<>();
        for (int b = 0; b < ids.size(); b++) {
            float[] x = new float[spec.inputSize()];
            KeyedRandom.fillGaussian(100 + b, x, 0, x.length);
            xs.add(x);
        }
        int[] labels = {2, 0, 1};
        try (SameDiffClassifier model = SameDiffClassifier.create(spec, w)) {
            AttributionEngine engine = new AttributionEngine(model, new EngineOptions(SEED, 5, 1L << 30));
            Explanation e = engine.explain(new ExplainBatch(ids, xs, labels), List.of(method));
            for (AttributionResult r : e.results()) {
                float[] x = xs.get(r.index());
                int target = method.target() == TargetSource.LABEL ? labels[r.index()]
                        : argmax(ReferenceMlp.logits(w, x));
                assertEquals(target, r.target());
                double[] expected = reference(method, spec, w, x, ids.get(r.index()), target);
                assertEquals(expected.length, r.map().length);
                double scale = 0;
                for (double v : expected) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], r.map()[i], 1e-4 * scale + 1e-7, "element " + i + " of " + method.id());
                }
                if (method.base().complete() && method.plan().clean()) {
                    assertTrue(Double.isFinite(r.igDelta()));
                }
            }
        }
    }

    /** The estimator written out from its definition, in float64, with the closed-form gradient. */
    static double[] reference(AttributionMethod m, ModelSpec spec, ModelWeights clean, float[] x, String id, int c) {
        NoisePlan plan = m.plan();
        int n = x.length;
        double[] sum = new double[n], sumSq = new double[n];
        double[] min = new double[n], max = new double[n];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        // The explainer's reference: the baseline image, or the clean input for SmoothTaylor's Taylor term.
        float[] baseline = m.base().anchoredAtInput() ? x : m.base().baseline() == null ? null : m.base().baseline().image(spec);
        double absSigma = plan.inputNoise().absoluteSigma(x);
        for (int i = 0; i < plan.replicas(); i++) {
            ModelWeights wi = plan.weightNoise().replica(clean, SEED, i);
            for (int j = 0; j < plan.samples(); j++) {
                float[] z = new float[n];
                plan.inputNoise().perturb(x, absSigma, SEED, KeyedRandom.hash(id), i * plan.samples() + j, z);
                double[] a = baseMap(m.base(), wi, z, baseline, c, m.output());
                for (int e = 0; e < n; e++) {
                    double v = m.abs() == AbsMode.BEFORE_AGGREGATION ? Math.abs(a[e]) : a[e];
                    sum[e] += v;
                    sumSq[e] += v * v;
                    min[e] = Math.min(min[e], v);
                    max[e] = Math.max(max[e], v);
                }
            }
        }
        int draws = plan.draws();
        float[] agg = new float[n];
        for (int e = 0; e < n; e++) {
            double mean = sum[e] / draws, meanSq = sumSq[e] / draws;
            double v = switch (plan.aggregation()) {
                case MEAN -> mean;
                case MEAN_OF_SQUARES -> meanSq;
                case VARIANCE -> meanSq - mean * mean;
                case RANGE -> max[e] - min[e];
            };
            agg[e] = (float) (m.abs() == AbsMode.AFTER_AGGREGATION ? Math.abs(v) : v);
        }
        float[] red = m.channelReduction().apply(agg, spec.channels(), spec.height() * spec.width());
        double[] out = new double[red.length];
        for (int e = 0; e < red.length; e++) out[e] = red[e];
        return out;
    }

    static double[] baseMap(BaseExplainer base, ModelWeights w, float[] z, float[] b, int c, OutputSpace space) {
        int n = z.length;
        double[] out = new double[n];
        if (base instanceof Gradient) return ReferenceMlp.gradient(w, z, c, space);
        if (base instanceof GradientXInput) {
            double[] g = ReferenceMlp.gradient(w, z, c, space);
            for (int e = 0; e < n; e++) out[e] = z[e] * g[e];
            return out;
        }
        if (base instanceof TaylorTerm) {
            double[] g = ReferenceMlp.gradient(w, z, c, space);
            for (int e = 0; e < n; e++) out[e] = (b[e] - z[e]) * g[e];   // b is the clean input x
            return out;
        }
        IntegratedGradients ig = (IntegratedGradients) base;
        double[] acc = new double[n];
        for (int k = 0; k < ig.points(); k++) {
            float[] p = new float[n];
            ig.point(z, b, k, p, 0);
            double[] g = ReferenceMlp.gradient(w, p, c, space);
            for (int e = 0; e < n; e++) acc[e] += ig.weight(k) * g[e];
        }
        for (int e = 0; e < n; e++) out[e] = (z[e] - b[e]) * acc[e];
        return out;
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
