package io.noiselens.lang;

import java.nio.file.Path;
import java.util.Collection;

/**
 * The one place where user-facing errors are built (Delta Kernel's exception principles): each message names
 * the key, file or field, shows the offending value and says how to fix it.
 */
public final class Errors {
    private Errors() {}

    public static NoiseLensException unknownKey(String key, Collection<String> known) {
        return new NoiseLensException(String.format(
                "Unknown configuration key '%s'. Remove it or correct its spelling; known keys here are: %s",
                key, String.join(", ", known)));
    }

    public static NoiseLensException wrongType(String key, Object value, String expected) {
        return new NoiseLensException(String.format(
                "Invalid value for '%s': %s is not %s. Set '%s' to %s.", key, quote(value), expected, key, expected));
    }

    public static NoiseLensException invalidValue(String key, Object value, String fix) {
        return new NoiseLensException(String.format("Invalid value for '%s': %s. %s", key, quote(value), fix));
    }

    public static NoiseLensException missingKey(String key, String fix) {
        return new NoiseLensException(String.format("Missing required configuration key '%s'. %s", key, fix));
    }

    public static NoiseLensException badConfigFile(Path file, String problem) {
        return new NoiseLensException(String.format(
                "Cannot read configuration file '%s': %s. Check the path and the HOCON syntax.", file, problem));
    }

    public static NoiseLensException badOverride(String arg) {
        return new NoiseLensException(String.format(
                "Invalid --set argument '%s': expected key=value, e.g. --set run.id=nightly-1.", arg));
    }

    public static NoiseLensException badModelFile(Path file, String problem) {
        return new NoiseLensException(String.format(
                "Cannot load NoiseLens model file '%s': %s. Point model.path at a complete .nlm file (as "
                        + "ModelFile.save or 'noiselens demo' write them), at an ONNX export (.onnx) or at builtin:demo.",
                file, problem));
    }

    public static NoiseLensException badOnnxFile(Path file, String problem) {
        return new NoiseLensException(String.format(
                "Cannot load ONNX model '%s': %s. Export it again with torch.onnx.export(model, example_input, file, "
                        + "opset_version=13, input_names=[\"input\"], dynamic_axes={\"input\": {0: \"n\"}}) and check "
                        + "that the copy is complete (its size, or onnx.checker.check_model).", file, problem));
    }

    /** A model file that is well formed but cannot be imported (e.g. ONNX operators outside the supported set). */
    public static NoiseLensException unsupportedModel(Path file, String problem, String fix) {
        return new NoiseLensException(String.format("Cannot import model '%s': %s. %s", file, problem, fix));
    }

    public static NoiseLensException badDataset(String where, String problem, String fix) {
        return new NoiseLensException(String.format("Dataset problem at '%s': %s. %s", where, problem, fix));
    }

    public static NoiseLensException shapeMismatch(String what, String expected, String actual) {
        return new NoiseLensException(String.format(
                "Shape mismatch for %s: expected %s but got %s. Check that the model and the inputs agree.",
                what, expected, actual));
    }

    /** A cluster whose resources do not fit how NoiseLens runs (GPUs per executor, discovery scripts). */
    public static NoiseLensException badCluster(String problem, String fix) {
        return new NoiseLensException(String.format("Cluster setup problem: %s. %s", problem, fix));
    }

    /** A method that cannot explain one image as configured; the image goes to the errors table with this reason. */
    public static NoiseLensException methodCannotExplain(String method, String image, String problem, String fix) {
        return new NoiseLensException(String.format("%s cannot explain image '%s': %s. %s", method, image, problem, fix));
    }

    public static NoiseLensException usage(String problem, String usage) {
        return new NoiseLensException(problem + System.lineSeparator() + usage);
    }

    private static String quote(Object value) {
        return value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
    }
}
