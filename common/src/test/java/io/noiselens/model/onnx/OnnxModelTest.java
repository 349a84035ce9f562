package io.noiselens.model.onnx;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ONNX reader on messages encoded here field by field (the protobuf wire format written out by hand, so the
 * test does not share code with the reader): packed and unpacked repeated fields, raw and typed tensor data, boolean
 * tensors, attributes, value infos with symbolic dimensions, unknown fields, and truncated input.
 */
class OnnxModelTest {
    /** A minimal protobuf writer for the test messages. */
    static final class Msg {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Msg varint(int field, long v) {
            key(field, 0);
            raw(v);
            return this;
        }

        Msg fixed32(int field, float v) {
            key(field, 5);
            int bits = Float.floatToIntBits(v);
            for (int i = 0; i < 4; i++) out.write(bits >>> (8 * i));
            return this;
        }

        Msg bytes(int field, byte[] b) {
            key(field, 2);
            raw(b.length);
            out.writeBytes(b);
            return this;
        }

        Msg string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Msg message(int field, Msg m) {
            return bytes(field, m.out.toByteArray());
        }

        Msg packedVarints(int field, long... v) {
            Msg p = new Msg();
            for (long x : v) p.raw(x);
            return bytes(field, p.out.toByteArray());
        }

        private void key(int field, int wire) {
            raw(((long) field << 3) | wire);
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    static byte[] model() {
        ByteBuffer raw = ByteBuffer.allocate(4 * 6).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) raw.putFloat(i * 0.5f - 1);
        Msg weight = new Msg().packedVarints(1, 2, 3).varint(2, OnnxModel.FLOAT).string(8, "w").bytes(9, raw.array());
        Msg bias = new Msg().varint(1, 2).varint(2, OnnxModel.FLOAT).string(8, "b").fixed32(4, 0.25f).fixed32(4, -4f);
        Msg shape = new Msg().varint(1, 2).varint(2, OnnxModel.INT64).packedVarints(7, 1, -1L).string(8, "shape");
        Msg mask = new Msg().varint(1, 3).varint(2, OnnxModel.BOOL).string(8, "mask").bytes(9, new byte[]{1, 0, 1});
        Msg gemm = new Msg().string(1, "x").string(1, "w").string(1, "b").string(2, "y").string(3, "fc").string(4, "Gemm")
                .message(5, new Msg().string(1, "transB").varint(3, 1).varint(20, 2))
                .message(5, new Msg().string(1, "alpha").fixed32(2, 1.5f).varint(20, 1))
                .message(5, new Msg().string(1, "pads").packedVarints(8, 1, 1, 2, 2).varint(20, 7))
                .message(5, new Msg().string(1, "auto_pad").string(4, "SAME_UPPER").varint(20, 3))
                .varint(99, 12345);   // an unknown field, skipped
        Msg dimN = new Msg().string(2, "batch"), dim3 = new Msg().varint(1, 3);
        Msg input = new Msg().string(1, "x").message(2, new Msg().message(1,
                new Msg().varint(1, OnnxModel.FLOAT).message(2, new Msg().message(1, dimN).message(1, dim3))));
        Msg graph = new Msg().message(1, gemm).string(2, "g").message(5, weight).message(5, bias).message(5, shape).message(5, mask)
                .message(11, input).message(11, new Msg().string(1, "w")).message(12, new Msg().string(1, "y"));
        return new Msg().varint(1, 8).string(2, "hand").message(7, graph)
                .message(8, new Msg().string(1, "").varint(2, 17)).toBytes();
    }

    @Test
    void readsGraphNodesAttributesAndTensors() {
        OnnxModel m = OnnxModel.parse(model());
        assertEquals(8, m.irVersion());
        assertEquals(17, m.opset());
        assertEquals("hand", m.producer());
        assertEquals(1, m.inputs().size(), "initializers listed as inputs are not model inputs");
        assertArrayEquals(new long[]{-1, 3}, m.inputs().get(0).dims());
        OnnxModel.Node n = m.nodes().get(0);
        assertEquals("Gemm", n.opType());
        assertEquals(java.util.List.of("x", "w", "b"), n.inputs());
        assertEquals(1, n.i("transB", 0));
        assertEquals(1.5f, n.f("alpha", 1f));
        assertArrayEquals(new long[]{1, 1, 2, 2}, n.ints("pads", null));
        assertEquals("SAME_UPPER", n.s("auto_pad", "NOTSET"));
        assertEquals(7, n.i("missing", 7), "absent attributes take the operator default");
        OnnxModel.Initializer w = m.initializers().get("w");
        assertArrayEquals(new long[]{2, 3}, w.dims());
        assertArrayEquals(new float[]{-1, -0.5f, 0, 0.5f, 1, 1.5f}, w.floats());
        assertArrayEquals(new float[]{0.25f, -4f}, m.initializers().get("b").floats(), "unpacked float_data");
        assertArrayEquals(new long[]{1, -1}, m.initializers().get("shape").longs(), "negative int64 varints");
        assertArrayEquals(new long[]{1, 0, 1}, m.initializers().get("mask").longs(), "booleans from raw bytes");
    }

    @Test
    void operatorsOutsideTheSupportedSetAreRefusedWithTheirNodes() {
        OnnxModel.Node gemm = OnnxModel.parse(model()).nodes().get(0);
        java.util.List<OnnxModel.Node> nodes = new java.util.ArrayList<>(java.util.List.of(gemm));
        for (int i = 0; i < 7; i++) {
            nodes.add(new OnnxModel.Node("lstm" + i, "LSTM", "", java.util.List.of(), java.util.List.of(), java.util.Map.of()));
        }
        nodes.add(new OnnxModel.Node("q", "QuantizeLinear", "com.microsoft", java.util.List.of(), java.util.List.of(), java.util.Map.of()));
        OnnxModel ok = OnnxModel.parse(model());
        OnnxOperators.check(ok, java.nio.file.Path.of("ok.onnx"));   // Gemm only: accepted
        OnnxModel bad = new OnnxModel(8, 13, "x", ok.inputs(), ok.outputs(), ok.initializers(), nodes);
        io.noiselens.lang.NoiseLensException e = assertThrows(io.noiselens.lang.NoiseLensException.class,
                () -> OnnxOperators.check(bad, java.nio.file.Path.of("bad.onnx")));
        String m = e.getMessage();
        assertTrue(m.contains("bad.onnx") && m.contains("LSTM (nodes lstm0, lstm1, lstm2, lstm3, lstm4 and 2 more)")
                && m.contains("com.microsoft.QuantizeLinear (nodes q)") && m.contains("Supported: Abs, Add,") && m.contains("LayerNormalization") && !m.contains("Gemm (nodes"), m);
    }

    @Test
    void truncatedOrCorruptBytesFailClearly() {
        byte[] full = model();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxModel.parse(java.util.Arrays.copyOf(full, full.length - 7)));
        assertTrue(e.getMessage().contains("not a readable ONNX protobuf") && e.getMessage().contains("bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OnnxModel.parse("not a model at all".getBytes(StandardCharsets.UTF_8)));
    }
}
