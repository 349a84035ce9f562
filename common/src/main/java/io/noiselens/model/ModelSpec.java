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

    /** The batch size of a model input of {@code shape}, which must be [n, C, H, W] of this spec. */
    public int batchOf(long[] shape) {
        if (shape.length != 4 || shape[1] != channels || shape[2] != height || shape[3] != width) {
            throw io.noiselens.lang.Errors.shapeMismatch("model input",
                    String.format("[n, %d, %d, %d]", channels, height, width), java.util.Arrays.toString(shape));
        }
        return (int) shape[0];
    }

    /** Checks one target class in range and one output space per row of an n-row gradient call. */
    public void checkTargets(int n, int[] targets, OutputSpace[] spaces) {
        if (targets.length != n || spaces.length != n) {
            throw new IllegalArgumentException("Need one target and one output space per row: " + n + " rows, "
                    + targets.length + " targets, " + spaces.length + " spaces");
        }
        for (int t : targets) {
            if (t < 0 || t >= numClasses) throw new IllegalArgumentException("Target class " + t + " outside [0, " + numClasses + ")");
        }
    }

    public int inputSize() {
        return channels * height * width;
    }
}
