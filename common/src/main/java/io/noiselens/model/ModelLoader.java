package io.noiselens.model;

import io.noiselens.model.onnx.OnnxImport;

import java.nio.file.Path;

/** Reads any model file NoiseLens accepts: its own {@code .nlm} archives and ONNX exports. */
public final class ModelLoader {
    private ModelLoader() {}

    /** Parses model bytes; {@code origin} names the source in errors; {@code onnx} says what ONNX files lack. */
    public static ModelFile.Loaded fromBytes(byte[] bytes, Path origin, OnnxImport.Options onnx) {
        return OnnxImport.isOnnx(bytes, origin) ? OnnxImport.load(bytes, origin, onnx) : ModelFile.fromBytes(bytes, origin);
    }
}
