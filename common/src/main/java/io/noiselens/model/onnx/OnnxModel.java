package io.noiselens.model.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX {@code ModelProto} a CNN import needs: opset, graph inputs and outputs with their shapes,
 * initializers as float32 (or int64 for shape tensors) arrays, and the nodes in order with their attributes.
 * Field numbers follow {@code onnx.proto3}; unknown fields are skipped.
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

        public String s(String attr, String fallback) {
            Attribute a = attributes.get(attr);
            return a == null || a.s() == null ? fallback : a.s();
        }
    }

    /** An attribute value (only the kinds the supported operators use). */
    public record Attribute(String name, long i, float f, String s, long[] ints, float[] floats, Initializer t) {}

    static final int FLOAT = 1, INT32 = 6, INT64 = 7, DOUBLE = 11;

    public static OnnxModel parse(byte[] bytes) {
        ProtoReader r = new ProtoReader(bytes);
        long ir = 0, opset = 0;
        String producer = "";
        ProtoReader graph = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> ir = r.varint();
                case 2 -> producer = r.string();
                case 7 -> graph = r.message();
                case 8 -> {
                    ProtoReader o = r.message();
                    String domain = "";
                    long version = 0;
                    while (o.next()) {
                        if (o.field() == 1) domain = o.string();
                        else if (o.field() == 2) version = o.varint();
                        else o.skip();
                    }
                    if (domain.isEmpty() || domain.equals("ai.onnx")) opset = version;
                }
                default -> r.skip();
            }
        }
        if (graph == null) throw new IllegalArgumentException("The ONNX model has no graph");
        List<ValueInfo> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        Map<String, Initializer> inits = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>();
        while (graph.next()) {
            switch (graph.field()) {
                case 1 -> nodes.add(node(graph.message()));
                case 5 -> {
                    Initializer t = tensor(graph.message());
                    inits.put(t.name(), t);
                }
                case 11 -> inputs.add(valueInfo(graph.message()));
                case 12 -> outputs.add(valueInfo(graph.message()));
                default -> graph.skip();
            }
        }
        // Graph inputs that are initializers (older exporters list weights as inputs) are not model inputs.
        inputs.removeIf(v -> inits.containsKey(v.name()));
        return new OnnxModel(ir, opset, producer, inputs, outputs, inits, nodes);
    }

    private static Node node(ProtoReader r) {
        List<String> in = new ArrayList<>(), out = new ArrayList<>();
        String name = "", op = "", domain = "";
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> in.add(r.string());
                case 2 -> out.add(r.string());
                case 3 -> name = r.string();
                case 4 -> op = r.string();
                case 5 -> {
                    Attribute a = attribute(r.message());
                    attrs.put(a.name(), a);
                }
                case 7 -> domain = r.string();
                default -> r.skip();
            }
        }
        return new Node(name, op, domain, in, out, attrs);
    }

    private static Attribute attribute(ProtoReader r) {
        String name = "", s = null;
        long i = 0;
        float f = 0;
        List<Long> ints = new ArrayList<>();
        List<Float> floats = new ArrayList<>();
        Initializer t = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = r.string();
                case 2 -> f = r.fixed32AsFloat();
                case 3 -> i = r.varint();
                case 4 -> s = r.string();
                case 5 -> t = tensor(r.message());
                case 7 -> r.floats(floats);
                case 8 -> r.int64s(ints);
                default -> r.skip();
            }
        }
        float[] fa = new float[floats.size()];
        for (int k = 0; k < fa.length; k++) fa[k] = floats.get(k);
        return new Attribute(name, i, f, s, ints.stream().mapToLong(Long::longValue).toArray(), fa, t);
    }

    private static ValueInfo valueInfo(ProtoReader r) {
        String name = "";
        List<Long> dims = new ArrayList<>();
        while (r.next()) {
            if (r.field() == 1) {
                name = r.string();
            } else if (r.field() == 2) {
                ProtoReader type = r.message();
                while (type.next()) {
                    if (type.field() != 1) {
                        type.skip();
                        continue;
                    }
                    ProtoReader tensor = type.message();
                    while (tensor.next()) {
                        if (tensor.field() != 2) {
                            tensor.skip();
                            continue;
                        }
                        ProtoReader shape = tensor.message();
                        while (shape.next()) {
                            if (shape.field() != 1) {
                                shape.skip();
                                continue;
                            }
                            ProtoReader dim = shape.message();
                            long v = -1;
                            while (dim.next()) {
                                if (dim.field() == 1) v = dim.varint();
                                else dim.skip();
                            }
                            dims.add(v);
                        }
                    }
                }
            } else {
                r.skip();
            }
        }
        return new ValueInfo(name, dims.stream().mapToLong(Long::longValue).toArray());
    }

    static Initializer tensor(ProtoReader r) {
        List<Long> dims = new ArrayList<>(), int64 = new ArrayList<>(), int32 = new ArrayList<>();
        List<Float> floatData = new ArrayList<>();
        int type = 0;
        String name = "";
        byte[] raw = null;
        List<Double> doubles = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> r.int64s(dims);
                case 2 -> type = (int) r.varint();
                case 4 -> r.floats(floatData);
                case 5 -> r.int64s(int32);
                case 7 -> r.int64s(int64);
                case 8 -> name = r.string();
                case 9 -> raw = r.bytes();
                case 10 -> {
                    if (r.wireType() == ProtoReader.LENGTH) {
                        ProtoReader p = r.message();
                        while (p.hasMore()) doubles.add(p.fixed64AsDouble());
                    } else {
                        doubles.add(r.fixed64AsDouble());
                    }
                }
                case 13, 14 -> throw new IllegalArgumentException("Tensor '" + name + "' keeps its data in an external "
                        + "file; re-export the model with the weights inside (torch.onnx.export does by default < 2 GB)");
                default -> r.skip();
            }
        }
        long[] d = dims.stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long v : d) count *= v;
        float[] floats = null;
        long[] longs = null;
        ByteBuffer bb = raw == null ? null : ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT -> {
                floats = new float[(int) count];
                if (bb != null) bb.asFloatBuffer().get(floats);
                else for (int k = 0; k < count; k++) floats[k] = floatData.get(k);
            }
            case DOUBLE -> {
                floats = new float[(int) count];
                for (int k = 0; k < count; k++) floats[k] = (float) (bb != null ? bb.getDouble(8 * k) : doubles.get(k));
            }
            case INT64 -> {
                longs = new long[(int) count];
                if (bb != null) bb.asLongBuffer().get(longs);
                else for (int k = 0; k < count; k++) longs[k] = int64.get(k);
            }
            case INT32 -> {
                longs = new long[(int) count];
                for (int k = 0; k < count; k++) longs[k] = bb != null ? bb.getInt(4 * k) : int32.get(k);
            }
            default -> { } // other element types are left unread; operators that need them say so
        }
        return new Initializer(name, d, type, floats, longs);
    }
}
