package io.noiselens.model.onnx;

import onnx.Onnx;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX {@code ModelProto} the import needs: opset, graph inputs and outputs with their shapes,
 * initializers as float32 arrays (FLOAT, DOUBLE) or long arrays (the integer and boolean types), and the nodes in
 * order with their attributes. Read with the protobuf classes generated from {@code onnx.proto} that nd4j-api ships
 * ({@code onnx.Onnx}).
 */
public record OnnxModel(long irVersion, long opset, String producer, List<ValueInfo> inputs, List<ValueInfo> outputs,
                        Map<String, Initializer> initializers, List<Node> nodes) {

    /** A graph input or output: its name and dimensions (−1 for a symbolic one such as the batch). */
    public record ValueInfo(String name, long[] dims) {}

    /** A constant tensor: float data for FLOAT/DOUBLE tensors, long data for INT32/INT64. */
    public record Initializer(String name, long[] dims, int dataType, float[] floats, long[] longs) {}

    /** One operator application. */
    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       Map<String, Attribute> attributes) {
        public long i(String attr, long fallback) {
            Attribute a = attributes.get(attr);
            return a == null ? fallback : a.i();
        }

        public float f(String attr, float fallback) {
            Attribute a = attributes.get(attr);
            return a == null ? fallback : a.f();
        }

        public long[] ints(String attr, long[] fallback) {
            Attribute a = attributes.get(attr);
            return a == null ? fallback : a.ints();
        }

        /**
         * A Constant node's value (its {@code value} tensor, or {@code value_float(s)}, {@code value_int(s)}), or
         * null when it has none of these.
         */
        public Initializer constantValue() {
            Attribute t = attributes.get("value"), f = attributes.get("value_float"), fs = attributes.get("value_floats");
            Attribute i = attributes.get("value_int"), is = attributes.get("value_ints");
            if (t != null && t.t() != null) return t.t();
            if (f != null) return new Initializer("", new long[0], FLOAT, new float[]{f.f()}, null);
            if (fs != null) return new Initializer("", new long[]{fs.floats().length}, FLOAT, fs.floats(), null);
            if (i != null) return new Initializer("", new long[0], INT64, null, new long[]{i.i()});
            if (is != null) return new Initializer("", new long[]{is.ints().length}, INT64, null, is.ints());
            return null;
        }

        public String s(String attr, String fallback) {
            Attribute a = attributes.get(attr);
            return a == null || a.s() == null ? fallback : a.s();
        }
    }

    /** An attribute value (only the kinds the supported operators use). */
    public record Attribute(String name, long i, float f, String s, long[] ints, float[] floats, Initializer t) {}

    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, BOOL = 9, DOUBLE = 11;

    public static OnnxModel parse(byte[] bytes) {
        Onnx.ModelProto m;
        try {
            m = Onnx.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a readable ONNX protobuf (" + bytes.length + " bytes: "
                    + e.getMessage() + ")");
        }
        if (!m.hasGraph()) throw new IllegalArgumentException("The ONNX model has no graph");
        long opset = 0;
        for (Onnx.OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) opset = o.getVersion();
        }
        Onnx.GraphProto g = m.getGraph();
        Map<String, Initializer> inits = new LinkedHashMap<>();
        for (Onnx.TensorProto t : g.getInitializerList()) inits.put(t.getName(), tensor(t));
        List<ValueInfo> inputs = new ArrayList<>();
        for (Onnx.ValueInfoProto v : g.getInputList()) {
            // Graph inputs that are initializers (older exporters list weights as inputs) are not model inputs.
            if (!inits.containsKey(v.getName())) inputs.add(valueInfo(v));
        }
        List<ValueInfo> outputs = g.getOutputList().stream().map(OnnxModel::valueInfo).toList();
        List<Node> nodes = g.getNodeList().stream().map(OnnxModel::node).toList();
        return new OnnxModel(m.getIrVersion(), opset, m.getProducerName(), inputs, outputs, inits, nodes);
    }

    private static Node node(Onnx.NodeProto n) {
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            float[] floats = new float[a.getFloatsCount()];
            for (int k = 0; k < floats.length; k++) floats[k] = a.getFloats(k);
            long[] ints = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            attrs.put(a.getName(), new Attribute(a.getName(), a.getI(), a.getF(),
                    a.getType() == Onnx.AttributeProto.AttributeType.STRING ? a.getS().toStringUtf8() : null, ints, floats,
                    a.hasT() ? tensor(a.getT()) : null));
        }
        return new Node(n.getName(), n.getOpType(), n.getDomain(), List.copyOf(n.getInputList()),
                List.copyOf(n.getOutputList()), attrs);
    }

    private static ValueInfo valueInfo(Onnx.ValueInfoProto v) {
        List<Onnx.TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
        return new ValueInfo(v.getName(), dims.stream().mapToLong(d -> d.hasDimValue() ? d.getDimValue() : -1).toArray());
    }

    static Initializer tensor(Onnx.TensorProto t) {
        if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw new IllegalArgumentException("Tensor '" + t.getName() + "' keeps its data in an external file; re-export "
                    + "the model with the weights inside (torch.onnx.export does by default < 2 GB)");
        }
        long[] d = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long v : d) count *= v;
        int n = Math.toIntExact(count);
        ByteBuffer bb = t.getRawData().isEmpty() ? null : t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] floats = null;
        long[] longs = null;
        switch (t.getDataType()) {
            case FLOAT -> {
                floats = new float[n];
                if (bb != null) bb.asFloatBuffer().get(floats);
                else for (int k = 0; k < n; k++) floats[k] = t.getFloatData(k);
            }
            case DOUBLE -> {
                floats = new float[n];
                for (int k = 0; k < n; k++) floats[k] = (float) (bb != null ? bb.getDouble(8 * k) : t.getDoubleData(k));
            }
            case INT64 -> {
                longs = new long[n];
                if (bb != null) bb.asLongBuffer().get(longs);
                else for (int k = 0; k < n; k++) longs[k] = t.getInt64Data(k);
            }
            case INT32 -> {
                longs = new long[n];
                for (int k = 0; k < n; k++) longs[k] = bb != null ? bb.getInt(4 * k) : t.getInt32Data(k);
            }
            case BOOL, INT8, UINT8 -> {
                longs = new long[n];
                for (int k = 0; k < n; k++) {
                    long v = bb != null ? bb.get(k) : t.getInt32Data(k);
                    longs[k] = t.getDataType() == UINT8 ? v & 0xFF : v;
                }
            }
            default -> { } // other element types are left unread; operators that need them say so
        }
        return new Initializer(t.getName(), d, t.getDataType(), floats, longs);
    }
}
