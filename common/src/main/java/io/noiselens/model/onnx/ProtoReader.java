package io.noiselens.model.onnx;

import java.nio.charset.StandardCharsets;

/**
 * A reader of the protobuf wire format over a byte array (Protocol Buffers encoding: varints, 64-bit, length-
 * delimited and 32-bit fields), enough to walk ONNX messages field by field without generated classes. Every read
 * is bounds-checked: a truncated or corrupt file fails with the offset instead of reading garbage.
 */
final class ProtoReader {
    static final int VARINT = 0, FIXED64 = 1, LENGTH = 2, FIXED32 = 5;

    private final byte[] buf;
    private int pos;
    private final int end;
    private int tag;

    ProtoReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    private ProtoReader(byte[] buf, int start, int end) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
    }

    /** Advances to the next field; false at the end of the message. */
    boolean next() {
        if (pos >= end) return false;
        tag = (int) varint();
        return true;
    }

    boolean hasMore() {
        return pos < end;
    }

    int field() {
        return tag >>> 3;
    }

    int wireType() {
        return tag & 7;
    }

    long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = byteAt(pos++);
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) return v;
        }
        throw corrupt("varint longer than 10 bytes");
    }

    float fixed32AsFloat() {
        return Float.intBitsToFloat((int) littleEndian(4));
    }

    double fixed64AsDouble() {
        return Double.longBitsToDouble(littleEndian(8));
    }

    /** The bytes of a length-delimited field. */
    byte[] bytes() {
        int len = length();
        byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + len);
        pos += len;
        return out;
    }

    String string() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** A reader over an embedded message, advancing past it. */
    ProtoReader message() {
        int len = length();
        ProtoReader r = new ProtoReader(buf, pos, pos + len);
        pos += len;
        return r;
    }

    /** Skips the current field's value. */
    void skip() {
        switch (wireType()) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case LENGTH -> advance(length());
            case FIXED32 -> advance(4);
            default -> throw corrupt("unsupported wire type " + wireType());
        }
    }

    /** Repeated int64: packed (length-delimited) or one varint per field occurrence. */
    void int64s(java.util.List<Long> out) {
        if (wireType() == LENGTH) {
            ProtoReader r = message();
            while (r.pos < r.end) out.add(r.varint());
        } else {
            out.add(varint());
        }
    }

    /** Repeated float: packed or one fixed32 per occurrence. */
    void floats(java.util.List<Float> out) {
        if (wireType() == LENGTH) {
            ProtoReader r = message();
            while (r.pos < r.end) out.add(r.fixed32AsFloat());
        } else {
            out.add(fixed32AsFloat());
        }
    }

    private int length() {
        long len = varint();
        if (len < 0 || pos + len > end) throw corrupt("field of " + len + " bytes runs past the end of its message");
        return (int) len;
    }

    private void advance(int n) {
        if (pos + n > end) throw corrupt("field runs past the end of its message");
        pos += n;
    }

    private long littleEndian(int n) {
        if (pos + n > end) throw corrupt("field runs past the end of its message");
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) (buf[pos + i] & 0xFF) << (8 * i);
        pos += n;
        return v;
    }

    private byte byteAt(int i) {
        if (i >= end) throw corrupt("truncated varint");
        return buf[i];
    }

    private IllegalArgumentException corrupt(String what) {
        return new IllegalArgumentException("Not a valid protobuf message at byte " + pos + ": " + what);
    }
}
