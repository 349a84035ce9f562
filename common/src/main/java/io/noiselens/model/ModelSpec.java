package io.noiselens.model;

import java.util.List;

/**
 * What a model is, apart from its weights: the architecture name, the input shape C×H×W, the classes, and the
 * preprocessing the model was trained with. {@code graph} is the layout of an imported model (an ONNX graph); it is
 * null for the built-in architectures, which are found by name.
 */
public record ModelSpec(String architecture, int channels, int height, int width, int numClasses,
                        List<String> classNames, Preprocessing preprocessing, Architecture graph) {
    /** A model of a built-in architecture. */
    public ModelSpec(String architecture, int channels, int height, int width, int numClasses,
                     List<String> classNames, Preprocessing preprocessing) {
        this(architecture, channels, height, width, numClasses, classNames, preprocessing, null);
    }

    public ModelSpec {
        if (channels <= 0 || height <= 0 || width <= 0 || numClasses <= 1) {
            throw new IllegalArgumentException(String.format(
                    "Invalid model spec: input %dx%dx%d, %d classes", channels, height, width, numClasses));
        }
        if (classNames.size() != numClasses) {
            throw new IllegalArgumentException("Model spec has " + numClasses + " classes but "
                    + classNames.size() + " class names");
        }
        if (preprocessing.channels() != channels) {
            throw new IllegalArgumentException("Preprocessing has " + preprocessing.channels()
                    + " channels, input has " + channels);
        }
        classNames = List.copyOf(classNames);
    }

    /** The layout that builds this model's graph: the imported graph, or the built-in architecture of that name. */
    public Architecture network() {
        return graph != null ? graph : Architectures.forName(architecture);
    }

    public int inputSize() {
        return channels * height * width;
    }
}
