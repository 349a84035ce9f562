package io.noiselens.methods;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.cam.ClassActivationMap;
import io.noiselens.attribution.cam.ClassActivationMap.Normalise;
import io.noiselens.attribution.cam.ClassActivationMap.Relu;
import io.noiselens.attribution.cam.ClassActivationMap.Weighting;
import io.noiselens.attribution.cam.Upsampling;
import io.noiselens.lang.ConfigKey;

import java.util.List;

import static io.noiselens.lang.ConfigKey.Type.STRING;

/**
 * The class activation map family at a named layer ({@link ClassActivationMap}): Grad-CAM (Selvaraju et al. 2017),
 * Grad-CAM++ (Chattopadhyay et al. 2018) and LayerCAM (Jiang et al. 2021), differing in how the layer's gradient
 * weighs its activation. Defaults: the model's last spatial map (ResNet {@code layer4}), the ReLU of the papers before
 * bilinear upsampling, no normalisation.
 */
public final class CamMethod implements MethodFamily {
    public static final CamMethod GRADCAM = new CamMethod("gradcam", Weighting.GRAD_CAM,
            "ReLU(Σ_k mean(∂y_c/∂A_k)·A_k) at a layer, upsampled (Selvaraju et al. 2017)");
    public static final CamMethod GRADCAM_PLUS_PLUS = new CamMethod("gradcam_plus_plus", Weighting.GRAD_CAM_PLUS_PLUS,
            "Grad-CAM with weights Σ_ij a_kij·ReLU(g_kij) from powers of the gradient (Chattopadhyay et al. 2018)");
    public static final CamMethod LAYERCAM = new CamMethod("layercam", Weighting.LAYER_CAM,
            "ReLU(Σ_k ReLU(∂y_c/∂A_k) ⊙ A_k), element-wise weights (Jiang et al. 2021)");

    /** The keys, built on use: Keys' own initialisation lists the bases, this family among them. */
    private static List<ConfigKey> camKeys() {
        return List.of(
            ConfigKey.of("layer", STRING, null, "Layer or block whose activation the map weighs (default: the model's "
                    + "last spatial map, e.g. ResNet layer4); the name used is stored with each map."),
            ConfigKey.oneOf("upsample", "bilinear", "Resizing of the layer's map to the input (nearest is Captum's "
                    + "default).", Keys.names(Upsampling.values())),
            ConfigKey.oneOf("relu", "before_upsample", "The papers' ReLU on the map (Captum applies none unless asked).",
                    Keys.names(Relu.values())),
            ConfigKey.oneOf("normalise", "none", "minmax: pytorch-grad-cam's scaling to [0, 1].",
                    Keys.names(Normalise.values())));
    }

    private final String kind;
    private final Weighting weighting;
    private final String summary;

    private CamMethod(String kind, Weighting weighting, String summary) {
        this.kind = kind;
        this.weighting = weighting;
        this.summary = summary;
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
        return camKeys();
    }

    @Override
    public BaseExplainer explainer(MethodSpec s) {
        return new ClassActivationMap(weighting, s.text("layer"), s.option("upsample", Upsampling.class),
                s.option("relu", Relu.class), s.option("normalise", Normalise.class));
    }
}
