package io.noiselens.bench;

import io.noiselens.config.JobConfig;
import io.noiselens.config.JobConfigLoader;
import io.noiselens.lang.NoiseLensException;
import io.noiselens.methods.Methods;
import io.noiselens.model.Backend;
import io.noiselens.model.BuiltinModels;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelLoader;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.onnx.OnnxImport;
import io.noiselens.model.torch.Torch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code deploy/gpu-check.sh}: whether a host runs the torch engine on its GPU (a {@code -Ptorch-gpu} build). It
 * places the engine ({@link Torch#place}: the device is seen, or it says why not), compares one model's input
 * gradients on that device with the CPU engine's, and prints images/s for Gradient, NoiseGrad and FusionGrad at their
 * defaults. Exit 0 when the device is used and the gradients agree, 1 otherwise.
 *
 * <p>Agreement is judged against float64, not against another float32 result: in a deep network with ReLUs two
 * correct float32 computations differ by their rounding, which flips activations near zero (measured on the bench's
 * randomly initialised ResNet-50: ND4J's float32 gradients are 1.0e-2 from its float64 ones in relative L2 norm,
 * the torch engine's 5.3e-3, so they differ from each other by 1.1e-2). The check computes the ND4J engine's
 * gradients in float64 and in float32 on the CPU and passes when the device's error is at most
 * {@code --tolerance} (default 4) times the CPU's float32 error (plus 1e-6); TF32 or a wrong kernel is far beyond that. {@code --cpu} runs the same checks with the torch engine on
 * the CPU (what the tests do on machines without a GPU).
 */
public final class GpuCheck {
    static final String USAGE = "Usage: gpu-check [--model FILE.onnx|builtin:demo] [--batch N] [--images N] "
            + "[--tolerance FACTOR] [--cpu]";

    private GpuCheck() {}

    record Settings(String model, int batch, int images, double tolerance, boolean cpu) {
        static Settings parse(String[] args) {
            String model = BuiltinModels.DEMO;
            int batch = 16, images = 4;
            double tolerance = 4;
            boolean cpu = false;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--cpu")) {
                    cpu = true;
                    continue;
                }
                if (i + 1 >= args.length) throw new NoiseLensException(args[i] + " needs a value. " + USAGE);
                String v = args[++i];
                try {
                    switch (args[i - 1]) {
                        case "--model" -> model = v;
                        case "--batch" -> batch = Integer.parseInt(v);
                        case "--images" -> images = Integer.parseInt(v);
                        case "--tolerance" -> tolerance = Double.parseDouble(v);
                        default -> throw new NoiseLensException("Unknown option " + args[i - 1] + ". " + USAGE);
                    }
                } catch (NumberFormatException e) {
                    throw new NoiseLensException(args[i - 1] + " takes a number, got '" + v + "'. " + USAGE);
                }
            }
            if (batch < 1 || images < 1 || !(tolerance > 0)) {
                throw new NoiseLensException("--batch and --images must be at least 1 and --tolerance positive. " + USAGE);
            }
            return new Settings(model, batch, images, tolerance, cpu);
        }
    }

    public static void main(String[] args) {
        Bench.command(args, USAGE, GpuCheck::run);
    }

    static int run(String[] args, PrintStream out) throws IOException {
        Settings s = Settings.parse(args);
        out.println(s.cpu() ? Torch.useCpu() : Torch.place(0));
        if (!Torch.onGpu() && !s.cpu()) {
            out.println("FAIL: the torch engine sees no CUDA device (the line above says why)");
            return 1;
        }
        ModelFile.Loaded m = load(s.model());
        out.printf("model %s (%s), %d classes, input %dx%dx%d%n", s.model(), m.spec().architecture(),
                m.spec().numClasses(), m.spec().channels(), m.spec().height(), m.spec().width());
        Bench.Call c = Bench.Call.of(m, s.batch());
        double cpuError, devError;
        try (SameDiffClassifier f64 = SameDiffClassifier.create(m.spec(), m.weights(), DataType.DOUBLE,
                SameDiffClassifier.GradientPass.INPUT_ONLY);
             ClassifierModel cpu = Backend.ND4J.create(m.spec(), m.weights());
             ClassifierModel dev = Backend.TORCH.create(m.spec(), m.weights());
             INDArray x64 = c.input().castTo(DataType.DOUBLE);
             INDArray ref = f64.inputGradients(x64, c.targets(), c.spaces());
             INDArray onCpu = cpu.inputGradients(c.input(), c.targets(), c.spaces());
             INDArray onDev = dev.inputGradients(c.input(), c.targets(), c.spaces())) {
            cpuError = relativeL2(onCpu, ref);
            devError = relativeL2(onDev, ref);
        }
        boolean agree = devError <= s.tolerance() * cpuError + 1e-6;
        out.printf("input gradients, batch %d, relative L2 error against float64: torch engine %s %.2e, ND4J engine on "
                + "the CPU %.2e (allowed: %.0f× that + 1e-6): %s%n", s.batch(), Torch.onGpu() ? "on the GPU" : "on the CPU",
                devError, cpuError, s.tolerance(), agree ? "agree" : "DIFFER");
        double gradient = s.batch() / Bench.torchGradientSeconds(m, s.batch(), Torch.threads(), 2);
        out.printf("Gradient: %.1f images/s (batch %d)%n", gradient, s.batch());
        for (String method : List.of("noisegrad", "fusiongrad")) {
            double perImage = Bench.perImage(m, Methods.builder(method).build(), s.images(), Backend.TORCH);
            out.printf("%s at its defaults: %.2f images/s (%d images)%n", method, 1 / perImage, s.images());
        }
        out.println(agree ? "OK" : "FAIL: the gradients differ beyond the tolerance");
        return agree ? 0 : 1;
    }

    private static double relativeL2(INDArray got, INDArray ref) {
        try (INDArray g = got.castTo(DataType.DOUBLE); INDArray d = g.sub(ref)) {
            return d.norm2Number().doubleValue() / ref.norm2Number().doubleValue();
        }
    }

    /** An ONNX file, or a built-in model (trained into the default cache on first use). */
    private static ModelFile.Loaded load(String model) throws IOException {
        String file = model;
        if (BuiltinModels.isBuiltin(model)) {
            JobConfig defaults = JobConfigLoader.fromString("methods = [{kind = gradient}]", List.of());
            file = BuiltinModels.files(List.of(model), defaults.model().builtins(defaults.dataset().fashionMnistPath())).get(0);
        }
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new NoiseLensException("--model " + model + ": no such file; pass an ONNX export of the model to check, "
                    + "or builtin:demo");
        }
        return ModelLoader.fromBytes(Files.readAllBytes(path), path, OnnxImport.Options.defaults());
    }
}
