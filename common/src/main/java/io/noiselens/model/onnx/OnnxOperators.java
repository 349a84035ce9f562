package io.noiselens.model.onnx;

import io.noiselens.lang.Errors;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The ONNX operator set the import translates: the standard CNN operators of issue 5 plus Constant and Pad, which
 * torchvision's DenseNet and MobileNet exports contain, and Sub and Div (input normalisation inside a model). A model using anything else is refused before any graph is
 * built, with every unsupported operator and the nodes that use it.
 */
public final class OnnxOperators {
    /** The CNN operator set, which both engines run with their input-only reverse passes. */
    public static final Set<String> CNN = Set.of("Conv", "BatchNormalization", "Relu", "Clip", "LeakyRelu",
            "Sigmoid", "HardSigmoid", "HardSwish", "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm", "MatMul", "Add",
            "Sub", "Mul", "Div", "Concat", "Flatten", "Reshape", "Identity", "Dropout", "Softmax", "Constant", "Pad");

    /**
     * Everything the import translates: the CNN set, the operators the engines compute on general tensors
     * ({@link GeneralGraph#RUNTIME}) and those folded on constants at import ({@link GraphShapes#FOLDABLE}).
     */
    public static final Set<String> SUPPORTED;

    static {
        Set<String> all = new java.util.TreeSet<>(CNN);
        all.addAll(GeneralGraph.RUNTIME);
        all.addAll(GraphShapes.FOLDABLE);
        SUPPORTED = java.util.Collections.unmodifiableSet(all);
    }

    private OnnxOperators() {}

    /** Throws, naming the file, the unsupported operators and their nodes, when the model needs anything else. */
    public static void check(OnnxModel model, Path file) {
        Map<String, List<String>> unsupported = new TreeMap<>();
        for (OnnxModel.Node n : model.nodes()) {
            boolean standard = n.domain().isEmpty() || n.domain().equals("ai.onnx");
            if (standard && SUPPORTED.contains(n.opType())) continue;
            String op = standard ? n.opType() : n.domain() + "." + n.opType();
            unsupported.computeIfAbsent(op, k -> new java.util.ArrayList<>()).add(n.name().isEmpty() ? "(unnamed)" : n.name());
        }
        if (unsupported.isEmpty()) return;
        StringBuilder sb = new StringBuilder("it uses operators the import does not support:");
        unsupported.forEach((op, nodes) -> sb.append(' ').append(op).append(" (nodes ").append(nodes.size() <= 5
                ? String.join(", ", nodes) : String.join(", ", nodes.subList(0, 5)) + " and " + (nodes.size() - 5) + " more")
                .append(')'));
        throw Errors.unsupportedModel(file, sb.toString(), "Supported: " + String.join(", ", new java.util.TreeSet<>(SUPPORTED))
                + ". Replace the others in the model (e.g. a custom layer by standard modules), or, for a custom "
                + "operator domain, export without it (torch.onnx.export with operator_export_type ONNX, opset 13-17).");
    }
}
