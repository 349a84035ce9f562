package io.noiselens.attribution.cam;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.DrawPoint;
import io.noiselens.attribution.DrawState;
import io.noiselens.attribution.Evaluation;
import io.noiselens.model.MapLayout;
import io.noiselens.model.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The class activation map family (METHODS-2.md §A.1) at layer ℓ with activation A ∈ R^{K×h×w} and g = ∂y_c/∂A, the
 * explained score's gradient (the logit by default, as in both references):
 * <ul>
 *   <li>Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
 *       Localization", ICCV 2017): L = Σ_k α_k A_k with α_k = mean_ij g_kij;</li>
 *   <li>Grad-CAM++ (Chattopadhyay et al., WACV 2018, as pytorch-grad-cam computes it): L = Σ_k w_k A_k with
 *       w_k = Σ_ij a_kij ReLU(g_kij), a_kij = g² / (2g² + (Σ_ab A_kab)·g³ + 10⁻⁶), a = 0 where g = 0;</li>
 *   <li>LayerCAM (Jiang et al., "LayerCAM: Exploring Hierarchical Class Activation Maps for Localization", IEEE TIP
 *       2021): L = Σ_k ReLU(g_kij)·A_kij, element-wise.</li>
 * </ul>
 * Then the ReLU of the papers ({@link Relu}: before upsampling as Captum orders it, after, or none — Captum's
 * default), upsampling to the input ({@link Upsampling}), and optionally pytorch-grad-cam's min–max normalisation to
 * [0, 1] (ε = 10⁻⁷). The map has one channel. Under weight noise the layer is read from each replica. A
 * transformer's layer reads as a map as pytorch-grad-cam's {@code reshape_transform} makes it ({@link MapLayout}: ViT's
 * patch tokens on their grid without the class token, Swin's channel-last stages).
 */
public final class ClassActivationMap implements BaseExplainer {
    /** How the channel weights are formed. */
    public enum Weighting { GRAD_CAM, GRAD_CAM_PLUS_PLUS, LAYER_CAM }

    /** Where the ReLU of the papers is applied. */
    public enum Relu { BEFORE_UPSAMPLE, AFTER_UPSAMPLE, NONE }

    /** Normalisation of the final map. */
    public enum Normalise { NONE, MINMAX }

    private static final double MINMAX_EPS = 1e-7;
    private final Weighting weighting;
    private final String layer;
    private final Upsampling upsampling;
    private final Relu relu;
    private final Normalise normalise;

    /** @param layer the layer's name, or null for the model's last spatial map */
    public ClassActivationMap(Weighting weighting, String layer, Upsampling upsampling, Relu relu, Normalise normalise) {
        this.weighting = weighting;
        this.layer = layer;
        this.upsampling = upsampling;
        this.relu = relu;
        this.normalise = normalise;
    }

    @Override
    public String name() {
        return weighting.name().toLowerCase(Locale.ROOT).replace("grad_cam", "gradcam");
    }

    @Override
    public Evaluation evaluation(ModelSpec spec) {
        return Evaluation.layerGradient(layer);
    }

    @Override
    public int mapChannels(ModelSpec spec) {
        return 1;
    }

    @Override
    public DrawState start(DrawPoint p) {
        MapLayout shape = p.layerShape();
        ModelSpec s = p.spec();
        return DrawState.oneRow(p.z(), values -> {
            float[] a = shape.planar(values, 0), g = shape.planar(values, values.length / 2);
            float[] up = upsampling.apply(map(a, g, shape.channels(), shape.height() * shape.width()), shape.height(),
                    shape.width(), s.height(), s.width());
            if (relu == Relu.AFTER_UPSAMPLE) relu(up);
            if (normalise == Normalise.MINMAX) minMax(up);
            return up;
        });
    }

    /** The h×w map from A and g (K planes each), with the ReLU before upsampling. */
    float[] map(float[] va, float[] vg, int k, int plane) {
        double[] cam = new double[plane];
        for (int c = 0; c < k; c++) {
            int o = c * plane;
            if (weighting == Weighting.LAYER_CAM) {
                for (int i = 0; i < plane; i++) cam[i] += Math.max(vg[o + i], 0f) * (double) va[o + i];
                continue;
            }
            double weight = 0;
            if (weighting == Weighting.GRAD_CAM) {
                for (int i = 0; i < plane; i++) weight += vg[o + i];
                weight /= plane;
            } else {
                double sumA = 0;
                for (int i = 0; i < plane; i++) sumA += va[o + i];
                for (int i = 0; i < plane; i++) {
                    double gi = vg[o + i];
                    if (gi == 0) continue;
                    double g2 = gi * gi, alpha = g2 / (2 * g2 + sumA * g2 * gi + 1e-6);
                    weight += alpha * Math.max(gi, 0);
                }
            }
            for (int i = 0; i < plane; i++) cam[i] += weight * va[o + i];
        }
        float[] out = new float[plane];
        for (int i = 0; i < plane; i++) out[i] = (float) cam[i];
        if (relu == Relu.BEFORE_UPSAMPLE) relu(out);
        return out;
    }

    private static void relu(float[] m) {
        for (int i = 0; i < m.length; i++) m[i] = Math.max(m[i], 0f);
    }

    /** (m − min) / (max − min + ε), pytorch-grad-cam's scaling. */
    private static void minMax(float[] m) {
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (float v : m) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        for (int i = 0; i < m.length; i++) m[i] = (float) ((m[i] - lo) / (hi - lo + MINMAX_EPS));
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cam_weighting", weighting.name().toLowerCase(Locale.ROOT));
        m.put("layer", layer == null ? "last spatial layer" : layer);
        m.put("upsample", upsampling.name().toLowerCase(Locale.ROOT));
        m.put("relu", relu.name().toLowerCase(Locale.ROOT));
        m.put("normalise", normalise.name().toLowerCase(Locale.ROOT));
        return m;
    }
}
