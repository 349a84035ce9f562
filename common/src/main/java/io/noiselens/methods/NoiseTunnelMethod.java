package io.noiselens.methods;

import io.noiselens.attribution.Aggregation;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.NoisePlan;
import io.noiselens.lang.ConfigKey;
import io.noiselens.noise.InputNoise;
import io.noiselens.noise.WeightNoise;

import java.util.ArrayList;
import java.util.List;

/**
 * The noise-tunnel family: a base explainer (Gradient, Gradient × Input or Integrated Gradients) averaged over N
 * weight replicas θ ⊙ N(1, σ_w²) and M input draws x + N(0, σ²), as Captum's NoiseTunnel wraps an attribution
 * (METHODS.md §3, §13.1). Its members differ in which noise they draw, their defaults and the aggregation:
 * SmoothGrad (Smilkov et al. 2017; M = 25, σ = 15 % of the range, PAIR saliency), SmoothGrad² (Hooker et al. 2019;
 * mean of squares) and VarGrad (Adebayo et al. 2018; variance), NoiseGrad (Bykov et al., AAAI 2022; N = 25, σ_w = 0.2) and FusionGrad
 * (Bykov et al. 2022; N = M = 10, σ_w = 0.2, σ = 0.4 absolute, official code). With {@code tolerance}, an image's
 * draws stop once the relative standard error of its running mean is below it.
 */
public final class NoiseTunnelMethod implements MethodFamily {
    public static final NoiseTunnelMethod SMOOTHGRAD = new NoiseTunnelMethod("smoothgrad", Aggregation.MEAN, 0, 0,
            25, 0.15, InputNoise.Mode.RANGE_FRACTION, "mean of the base map over x + ε (Smilkov et al. 2017)");
    public static final NoiseTunnelMethod SMOOTHGRAD_SQ = new NoiseTunnelMethod("smoothgrad_sq",
            Aggregation.MEAN_OF_SQUARES, 0, 0, 25, 0.15, InputNoise.Mode.RANGE_FRACTION,
            "mean of squares of the base map over x + ε (Hooker et al. 2019)");
    public static final NoiseTunnelMethod VARGRAD = new NoiseTunnelMethod("vargrad", Aggregation.VARIANCE, 0, 0, 25,
            0.15, InputNoise.Mode.RANGE_FRACTION, "variance of the base map over x + ε (Adebayo et al. 2018)");
    public static final NoiseTunnelMethod NOISEGRAD = new NoiseTunnelMethod("noisegrad", Aggregation.MEAN, 25, 0.2, 0,
            0, null, "mean of the base map over weight replicas θ ⊙ N(1, σ_w²) (Bykov et al. 2022)");
    public static final NoiseTunnelMethod FUSIONGRAD = new NoiseTunnelMethod("fusiongrad", Aggregation.MEAN, 10, 0.2,
            10, 0.4, InputNoise.Mode.ABSOLUTE, "mean of the base map over weight replicas × noisy inputs (Bykov et al. 2022)");

    private final String kind;
    private final Aggregation aggregation;
    private final boolean weights;
    private final boolean inputs;
    private final String summary;
    private final List<ConfigKey> keys = new ArrayList<>();

    /** Replicas 0: no weight noise; samples 0: no input noise. */
    private NoiseTunnelMethod(String kind, Aggregation aggregation, int replicas, double sigmaW, int samples,
                              double sigma, InputNoise.Mode mode, String summary) {
        this.kind = kind;
        this.aggregation = aggregation;
        this.weights = replicas > 0;
        this.inputs = samples > 0;
        this.summary = summary;
        keys.addAll(Keys.baseExplainer(Bases.ALL));
        if (weights) keys.addAll(Keys.weightNoise(replicas, sigmaW));
        if (inputs) keys.addAll(Keys.inputNoise(samples, sigma, mode));
        keys.addAll(Keys.stopping());
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public String summary() {
        return summary;
    }

    @Override
    public List<ConfigKey> keys() {
        return List.copyOf(keys);
    }

    @Override
    public void validate(MethodSpec s, String where) {
        Keys.checkBaseExplainer(s, where, Bases.ALL);
    }

    @Override
    public AttributionMethod build(MethodSpec s) {
        NoisePlan plan = new NoisePlan(weights ? s.integer("replicas") : 1, new WeightNoise(weights ? s.real("sigma_w") : 0),
                inputs ? s.integer("samples") : 1, inputs ? Keys.inputNoise(s) : new InputNoise(0, InputNoise.Mode.ABSOLUTE),
                aggregation);
        return Keys.method(s, Keys.base(s), Keys.stopping(plan, s), null);
    }
}
