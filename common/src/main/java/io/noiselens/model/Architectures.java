package io.noiselens.model;

import io.noiselens.lang.Errors;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;
import java.util.Map;

/** The registry of built-in architectures, and fresh (randomly initialised) weights for them. */
public final class Architectures {
    private static final List<String> NAMES = List.of(SmallCnn.NAME, FashionCnn.NAME, "resnet18", "resnet50", "linear", "mlp");

    private Architectures() {}

    public static Architecture forName(String name) {
        return switch (name) {
            case SmallCnn.NAME -> new SmallCnn();
            case FashionCnn.NAME -> new FashionCnn();
            case "resnet18" -> ResNet.resnet18();
            case "resnet50" -> ResNet.resnet50();
            case "linear" -> Mlp.linear();
            case "mlp" -> Mlp.oneHidden(32);
            default -> throw Errors.invalidValue("model.architecture", name, "Use one of " + NAMES + ".");
        };
    }

    public static List<String> names() {
        return NAMES;
    }

    /** Randomly initialised weights for {@code spec}, a pure function of the seed. */
    public static ModelWeights initialWeights(ModelSpec spec, long seed) {
        SameDiffLayers l = new SameDiffLayers(SameDiff.create(), DataType.FLOAT, Map.of(), seed, true);
        spec.network().define(l, l.input("input", spec.channels(), spec.height(), spec.width()), spec);
        return l.weights();
    }

    /** Names of the convolution and dense layers of {@code spec}'s architecture, input to output. */
    public static List<String> layerNames(ModelSpec spec) {
        return defined(spec).layerNames();
    }

    /**
     * The layer a class activation map reads when none is named: the deepest spatial map (C×H×W, H·W &gt; 1) —
     * {@code layer4} of a ResNet, the last convolution of a plain CNN ({@link Layers#spatialLayers()}). For a
     * transformer, whose last block reaches the head through the class token alone, the last block's pre-attention
     * LayerNorm ({@code ….ln_1}, {@code ….norm1}), pytorch-grad-cam's choice for ViT and Swin.
     */
    public static String lastSpatialLayer(ModelSpec spec) {
        Layers<SDVariable> l = defined(spec);
        List<String> spatial = l.spatialLayers();
        if (spatial.isEmpty()) {
            throw Errors.invalidValue("model.architecture", spec.architecture(), "This model has no layer with a "
                    + "spatial map (C×H×W) for a class activation map; explain it with a gradient or perturbation method.");
        }
        String last = spatial.get(spatial.size() - 1);
        if (l.layout(last).kind() != MapLayout.Kind.CHW) {
            for (int i = spatial.size() - 1; i >= 0; i--) {
                String name = spatial.get(i);
                if (name.endsWith(".ln_1") || name.endsWith(".norm1")) return name;
            }
        }
        return last;
    }

    /** How {@code layer}'s output reads as a map; a clear error for an unknown name or a layer that is no map. */
    public static MapLayout layerShape(ModelSpec spec, String layer) {
        return layerShape(spec, layer, "layer");
    }

    /** As {@link #layerShape(ModelSpec, String)}, errors naming configuration key {@code key}. */
    public static MapLayout layerShape(ModelSpec spec, String layer, String key) {
        Layers<SDVariable> l = defined(spec);
        if (!l.layerNames().contains(layer)) {
            throw Errors.invalidValue(key, layer, "Name one of the model's layers or blocks with a spatial map: "
                    + l.spatialLayers() + ".");
        }
        MapLayout layout = l.layout(layer);
        if (layout == null) {
            throw Errors.invalidValue(key, layer, "Its output is no spatial map (a vector, or a 1×1 map); name one of "
                    + l.spatialLayers() + ".");
        }
        return layout;
    }

    /** The architecture defined once over a throwaway graph, to read its layers. */
    private static Layers<SDVariable> defined(ModelSpec spec) {
        // An imported graph brings its own parameters (the general operators read them); built-in ones are initialised.
        Map<String, Tensor> params = new java.util.LinkedHashMap<>();
        if (spec.network() instanceof io.noiselens.model.onnx.OnnxArchitecture a) {
            for (Tensor t : a.weights().tensors()) params.put(t.name(), t);
        }
        SameDiffLayers l = new SameDiffLayers(SameDiff.create(), DataType.FLOAT, params, 0L, true);
        spec.network().define(l, l.input("input", spec.channels(), spec.height(), spec.width()), spec);
        return l;
    }
}
