package io.noiselens.model.onnx;

import io.noiselens.model.Backend;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelFile;
import io.noiselens.model.NativeArrays;
import io.noiselens.model.OutputSpace;
import io.noiselens.random.KeyedRandom;
import onnx.Onnx;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Opset 20's Gelu (exact and tanh forms), which Debian's PyTorch 1.13 cannot export, in a graph written here with
 * the ONNX protobuf builders: x [n, 2, 3, 3] → Gelu → ReduceMean over H, W (axes as an input, opset 18) → Gemm. Logits
 * and input gradients on both engines against the closed form f_k = Σ_c W_ck · mean_ij gelu(x_cij) + b_k,
 * ∂f_k/∂x_cij = W_ck · gelu′(x_cij) / 9, gelu(x) = x Φ(x) (or 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))).
 */
class OnnxGeluTest {
    static final float[] W = {0.5f, -1.5f, 2f, 1f, 0.25f, -0.75f};   // [2, 3]
    static final float[] B = {0.1f, -0.2f, 0.3f};

    static byte[] model(String approximate) {
        Onnx.TensorProto w = Onnx.TensorProto.newBuilder().setName("head.weight").addDims(2).addDims(3)
                .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE).addAllFloatData(boxed(W)).build();
        Onnx.TensorProto b = Onnx.TensorProto.newBuilder().setName("head.bias").addDims(3)
                .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE).addAllFloatData(boxed(B)).build();
        Onnx.TensorProto axes = Onnx.TensorProto.newBuilder().setName("axes").addDims(2)
                .setDataType(Onnx.TensorProto.DataType.INT64_VALUE).addInt64Data(2).addInt64Data(3).build();
        Onnx.NodeProto gelu = Onnx.NodeProto.newBuilder().setName("/act/Gelu").setOpType("Gelu").addInput("x").addOutput("g")
                .addAttribute(Onnx.AttributeProto.newBuilder().setName("approximate").setType(Onnx.AttributeProto.AttributeType.STRING)
                        .setS(org.nd4j.shade.protobuf.ByteString.copyFromUtf8(approximate))).build();
        Onnx.NodeProto mean = Onnx.NodeProto.newBuilder().setName("/pool/ReduceMean").setOpType("ReduceMean").addInput("g")
                .addInput("axes").addOutput("m").addAttribute(Onnx.AttributeProto.newBuilder().setName("keepdims")
                        .setType(Onnx.AttributeProto.AttributeType.INT).setI(0)).build();
        Onnx.NodeProto gemm = Onnx.NodeProto.newBuilder().setName("/head/Gemm").setOpType("Gemm").addInput("m")
                .addInput("head.weight").addInput("head.bias").addOutput("logits").build();
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().setName("gelu").addNode(gelu).addNode(mean).addNode(gemm)
                .addInitializer(w).addInitializer(b).addInitializer(axes)
                .addInput(value("x", -1, 2, 3, 3)).addOutput(value("logits", -1, 3)).build();
        return Onnx.ModelProto.newBuilder().setIrVersion(9).setProducerName("test").setGraph(g)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(20)).build().toByteArray();
    }

    private static Iterable<Float> boxed(float[] v) {
        java.util.List<Float> out = new java.util.ArrayList<>();
        for (float x : v) out.add(x);
        return out;
    }

    private static Onnx.ValueInfoProto value(String name, long... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("n")
                    : Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    static double gelu(double x, boolean tanh) {
        if (!tanh) return 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"none, ND4J", "none, TORCH", "tanh, ND4J", "tanh, TORCH"})
    void geluMatchesItsClosedForm(String approximate, Backend engine) {
        boolean tanh = approximate.equals("tanh");
        ModelFile.Loaded m = OnnxImport.load(model(approximate), Path.of("gelu.onnx"), OnnxImport.Options.defaults());
        int n = 2, size = 18;
        float[] x = new float[n * size];
        KeyedRandom.fillGaussian(8, x, 0, x.length);
        INDArray input = NativeArrays.of(x, n, 2, 3, 3);
        int[] targets = {1, 2};
        try (ClassifierModel model = engine.create(m.spec(), m.weights())) {
            float[] logits = NativeArrays.drainFloats(model.logits(input));
            float[] grad = NativeArrays.drainFloats(model.inputGradients(input, targets,
                    new OutputSpace[]{OutputSpace.LOGIT, OutputSpace.LOGIT}));
            double h = 1e-6;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < 3; k++) {
                    double f = B[k];
                    for (int c = 0; c < 2; c++) {
                        double mean = 0;
                        for (int p = 0; p < 9; p++) mean += gelu(x[i * size + c * 9 + p], tanh) / 9;
                        f += W[c * 3 + k] * mean;
                    }
                    assertEquals(f, logits[i * 3 + k], 1e-5, approximate + " logit " + i + "," + k);
                }
                for (int c = 0; c < 2; c++) {
                    for (int p = 0; p < 9; p++) {
                        double v = x[i * size + c * 9 + p];
                        double slope = (gelu(v + h, tanh) - gelu(v - h, tanh)) / (2 * h);
                        assertEquals(W[c * 3 + targets[i]] * slope / 9, grad[i * size + c * 9 + p], 1e-5,
                                approximate + " gradient " + i + "," + c + "," + p);
                    }
                }
            }
        } finally {
            NativeArrays.close(input);
        }
    }
}
