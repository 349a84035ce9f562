package io.noiselens.model.onnx;

import io.noiselens.lang.Errors;
import io.noiselens.model.Layers;
import io.noiselens.model.SameDiffLayers;
import org.nd4j.autodiff.samediff.SDVariable;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.Preprocessing;
import io.noiselens.model.Tensor;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads an ONNX file as a NoiseLens model: parse, refuse unsupported operators ({@link OnnxOperators}), translate the
 * graph ({@link OnnxArchitecture}) and check it by building it once. ONNX carries neither class names nor the
 * normalisation the model was trained with, so they come from {@link Options} (ImageNet's mean and std by default,
 * torchvision's convention).
 */
public final class OnnxImport {
    /** torchvision's ImageNet normalisation. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /**
     * What the file does not say: class names (empty: {@code class_0 … class_{K−1}}), and the per-channel mean and
     * std of the input normalisation (null: ImageNet's for 3 channels, none otherwise).
     */
    public record Options(List<String> classNames, float[] mean, float[] std) implements Serializable {
        public Options {
            classNames = classNames == null ? List.of() : List.copyOf(classNames);
        }

        public static Options defaults() {
            return new Options(List.of(), null, null);
        }
    }

    private OnnxImport() {}

    /** Whether these bytes are to be read as ONNX: a {@code .onnx} name, or anything that is not a zip (.nlm). */
    public static boolean isOnnx(byte[] bytes, Path origin) {
        String name = origin.getFileName() == null ? "" : origin.getFileName().toString().toLowerCase();
        boolean zip = bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;
        // By content first: a NoiseLens model file is a zip archive; a damaged one named .nlm is still one.
        return !zip && !name.endsWith(".nlm");
    }

    public static ModelFile.Loaded load(byte[] bytes, Path origin, Options options) {
        OnnxModel model;
        try {
            model = OnnxModel.parse(bytes);
        } catch (RuntimeException e) {
            throw Errors.badOnnxFile(origin, "it is not a readable ONNX model (" + e.getMessage() + ")");
        }
        OnnxOperators.check(model, origin);
        String file = origin.getFileName() == null ? "model" : origin.getFileName().toString();
        String name = "onnx:" + file.replaceAll("(?i)\\.onnx$", "");
        OnnxArchitecture graph;
        try {
            graph = new OnnxArchitecture(name, model);
        } catch (IllegalArgumentException e) {
            throw Errors.unsupportedModel(origin, e.getMessage(), "Export the classifier with torch.onnx.export at "
                    + "opset 13-17 with a fixed image size and a dynamic batch axis, as torchvision's classifiers export.");
        }
        int k = graph.numClasses();
        List<String> classes = options.classNames().isEmpty() ? defaultClassNames(k) : options.classNames();
        if (classes.size() != k) {
            throw Errors.invalidValue("model.classes", classes.size() + " class names", "The model " + origin
                    + " has " + k + " outputs; list one name per output, in output order.");
        }
        ModelSpec spec = new ModelSpec(name, graph.channels(), graph.height(), graph.width(), k, classes,
                preprocessing(graph.channels(), options), graph);
        ModelWeights weights = graph.weights();
        check(spec, weights, origin);
        return new ModelFile.Loaded(spec, weights, ModelFile.sha256(bytes));
    }

    private static List<String> defaultClassNames(int k) {
        List<String> names = new ArrayList<>(k);
        for (int i = 0; i < k; i++) names.add("class_" + i);
        return names;
    }

    private static Preprocessing preprocessing(int channels, Options o) {
        float[] mean = o.mean(), std = o.std();
        if (mean == null) mean = channels == 3 ? IMAGENET_MEAN.clone() : new float[channels];
        if (std == null) {
            std = channels == 3 ? IMAGENET_STD.clone() : new float[channels];
            if (channels != 3) java.util.Arrays.fill(std, 1f);
        }
        if (mean.length != channels || std.length != channels) {
            throw Errors.invalidValue(mean.length != channels ? "model.mean" : "model.std",
                    java.util.Arrays.toString(mean.length != channels ? mean : std),
                    "The model reads " + channels + " channels; give one value per channel.");
        }
        return new Preprocessing(mean, std, mean.clone());
    }

    /**
     * Builds the graph once on these weights, so a shape the translation cannot honour fails at load time: on SameDiff
     * for CNN graphs, and for graphs that need the general operators on the torch engine (one pass over a zero image),
     * which is the engine that runs them.
     */
    private static void check(ModelSpec spec, ModelWeights weights, Path origin) {
        if (((OnnxArchitecture) spec.network()).needsGeneralOperators()) {
            try (io.noiselens.model.ClassifierModel m = io.noiselens.model.Backend.TORCH.create(spec, weights)) {
                if (m.activationFloatsPerImage() <= 0) throw new IllegalStateException("the graph computes nothing");
            } catch (RuntimeException e) {
                throw Errors.unsupportedModel(origin, e.getMessage(), "Check that the file is a complete classifier export.");
            }
            return;
        }
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Tensor t : weights.tensors()) params.put(t.name(), t);
        try {
            SameDiffLayers l = new SameDiffLayers(SameDiff.create(), DataType.FLOAT, params, null, true);
            Layers.Act<SDVariable> out = spec.network().define(l, l.input("input", spec.channels(), spec.height(), spec.width()), spec);
            if (out.size() != spec.numClasses()) {
                throw new IllegalArgumentException("the graph computes " + out.size() + " outputs, its declared output has "
                        + spec.numClasses());
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw Errors.unsupportedModel(origin, e.getMessage(), "Check that the file is a complete classifier export.");
        }
    }
}
