package io.noiselens.model;

import java.util.Arrays;

/**
 * The shape of a tensor in an imported graph whose batch axis is dynamic, known as its shapes at batch 1 and batch
 * 2: the import infers every shape twice, so a dimension that carries the batch — anywhere, also merged with
 * another axis as in a transformer's [tokens, n·heads, d] — is the one that differs, and at batch n it is
 * {@code one + (n − 1)·(two − one)} (shapes in these graphs are affine in the batch).
 */
public record Dims(long[] one, long[] two) {
    public Dims {
        if (one.length != two.length) throw new IllegalArgumentException("ranks differ: " + this);
    }

    /** A shape that does not depend on the batch. */
    public static Dims fixed(long... d) {
        return new Dims(d, d);
    }

    /** [n, d…]: the batch on axis 0 followed by the per-image shape {@code perImage}. */
    public static Dims batched(long... perImage) {
        long[] a = new long[perImage.length + 1], b = new long[perImage.length + 1];
        a[0] = 1;
        b[0] = 2;
        System.arraycopy(perImage, 0, a, 1, perImage.length);
        System.arraycopy(perImage, 0, b, 1, perImage.length);
        return new Dims(a, b);
    }

    public int rank() {
        return one.length;
    }

    /** The shape at batch {@code n}. */
    public long[] at(long n) {
        long[] d = new long[one.length];
        for (int i = 0; i < d.length; i++) d[i] = one[i] + (n - 1) * (two[i] - one[i]);
        return d;
    }

    /** Whether axis {@code i} carries the batch. */
    public boolean batchAxis(int i) {
        return one[i] != two[i];
    }

    /** Whether no axis carries the batch. */
    public boolean isFixed() {
        return Arrays.equals(one, two);
    }

    /** Whether this is [n, d…]: the batch alone on axis 0. */
    public boolean batchLeading() {
        if (one.length == 0 || one[0] != 1 || two[0] != 2) return false;
        for (int i = 1; i < one.length; i++) if (one[i] != two[i]) return false;
        return true;
    }

    /** The dimensions after the batch axis of a {@link #batchLeading} shape. */
    public long[] perImage() {
        return Arrays.copyOfRange(one, 1, one.length);
    }

    /** Elements per image of a {@link #batchLeading} shape, else per batch-1 tensor. */
    public long sizeOfOne() {
        long s = 1;
        for (int i = batchLeading() ? 1 : 0; i < one.length; i++) s *= one[i];
        return s;
    }

    /** The indices a Slice of one axis of length {@code d} picks (ONNX's clamping rules). */
    public static long[] sliceIndices(long d, long start, long end, long step) {
        if (step == 0) throw new IllegalArgumentException("Slice step 0");
        if (start < 0) start += d;
        if (end < 0 && end > Long.MIN_VALUE / 2) end += d;
        if (step > 0) {
            start = Math.max(0, Math.min(d, start));
            end = Math.max(0, Math.min(d, end));
        } else {
            start = Math.max(-1, Math.min(d - 1, start));
            end = Math.max(-1, Math.min(d - 1, end));
        }
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (long j = start; step > 0 ? j < end : j > end; j += step) out.add(j);
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dims d && Arrays.equals(one, d.one) && Arrays.equals(two, d.two);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(one) + Arrays.hashCode(two);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < one.length; i++) {
            if (i > 0) sb.append(", ");
            long slope = two[i] - one[i];
            if (slope == 0) sb.append(one[i]);
            else sb.append(slope == 1 ? "" : slope + "·").append('n').append(one[i] - slope == 0 ? "" : "+" + (one[i] - slope));
        }
        return sb.append(']').toString();
    }
}
