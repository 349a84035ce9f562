package io.noiselens.model.onnx;

import io.noiselens.model.Dims;
import io.noiselens.model.Layers;

import java.util.ArrayList;
import java.util.List;

/**
 * ONNX Einsum of two operands as a batched matrix product (MaxViT's attention: {@code B G H I D, B G H J D -> B G H I J}):
 * letters in both operands and the output are batch axes, letters in both operands only are contracted, the others
 * are free; each operand is transposed to [batch…, free, contracted] (the second to [batch…, contracted, free]),
 * reshaped to one free and one contracted axis, multiplied, and the result reshaped and transposed to the output's
 * order. Equations with an ellipsis, a repeated letter in one operand, or a letter summed within one operand are
 * refused.
 */
record Einsum(String a, String b, String out) {
    static Einsum parse(OnnxModel.Node n) {
        String eq = n.s("equation", "").replace(" ", "");
        int arrow = eq.indexOf("->");
        String[] ins = (arrow < 0 ? eq : eq.substring(0, arrow)).split(",");
        if (arrow < 0 || ins.length != 2 || eq.contains("...")) {
            throw OnnxArchitecture.unsupported(n, "Einsum '" + n.s("equation", "") + "' (two operands with an explicit output only)");
        }
        Einsum e = new Einsum(ins[0], ins[1], eq.substring(arrow + 2));
        for (String s : List.of(e.a, e.b, e.out)) {
            if (s.chars().distinct().count() != s.length()) throw OnnxArchitecture.unsupported(n, "Einsum with a repeated letter");
        }
        for (char c : (e.a + e.b).toCharArray()) {
            boolean inA = e.a.indexOf(c) >= 0, inB = e.b.indexOf(c) >= 0, inOut = e.out.indexOf(c) >= 0;
            if (!inOut && !(inA && inB)) throw OnnxArchitecture.unsupported(n, "Einsum summing '" + c + "' within one operand");
        }
        return e;
    }

    /** The output shape for operand shapes {@code x} and {@code y}. */
    long[] shape(long[] x, long[] y) {
        long[] o = new long[out.length()];
        for (int i = 0; i < o.length; i++) o[i] = size(out.charAt(i), x, y);
        return o;
    }

    private long size(char c, long[] x, long[] y) {
        int i = a.indexOf(c);
        return i >= 0 ? x[i] : y[b.indexOf(c)];
    }

    private String batch() {
        StringBuilder s = new StringBuilder();
        for (char c : out.toCharArray()) if (a.indexOf(c) >= 0 && b.indexOf(c) >= 0) s.append(c);
        return s.toString();
    }

    private static String only(String from, String other, String out, boolean inOut) {
        StringBuilder s = new StringBuilder();
        for (char c : from.toCharArray()) {
            if ((other.indexOf(c) < 0) == inOut && (out.indexOf(c) >= 0) == inOut) s.append(c);
        }
        return s.toString();
    }

    /** The product on engine tensors {@code x} and {@code y} of shapes {@code dx} and {@code dy}. */
    <T> T apply(Layers<T> l, T x, Dims dx, T y, Dims dy, OnnxModel.Node n) {
        String batch = batch(), contract = only(a, b, out, false), fa = only(a, b, out, true), fb = only(b, a, out, true);
        T left = arrange(l, x, dx, a, batch, fa, contract, n);
        T right = arrange(l, y, dy, b, batch, contract, fb, n);
        T product = l.matmul(left, right);
        String order = batch + fa + fb;
        T shaped = l.reshape(product, dims(order, dx, dy));
        if (order.equals(out)) return shaped;
        int[] perm = new int[out.length()];
        for (int i = 0; i < perm.length; i++) perm[i] = order.indexOf(out.charAt(i));
        return l.transpose(shaped, perm);
    }

    /** {@code t} (letters {@code has}) as [batch…, prod(first), prod(second)]. */
    private <T> T arrange(Layers<T> l, T t, Dims d, String has, String batch, String first, String second, OnnxModel.Node n) {
        String order = batch + first + second;
        int[] perm = new int[order.length()];
        boolean identity = true;
        for (int i = 0; i < perm.length; i++) {
            perm[i] = has.indexOf(order.charAt(i));
            identity &= perm[i] == i;
        }
        T moved = identity ? t : l.transpose(t, perm);
        List<long[]> one = new ArrayList<>(), two = new ArrayList<>();
        for (char c : batch.toCharArray()) {
            int i = has.indexOf(c);
            one.add(new long[]{d.one()[i]});
            two.add(new long[]{d.two()[i]});
        }
        long[] f = product(first, has, d, n), s = product(second, has, d, n);
        long[] o = new long[batch.length() + 2], w = new long[batch.length() + 2];
        for (int i = 0; i < batch.length(); i++) {
            o[i] = one.get(i)[0];
            w[i] = two.get(i)[0];
        }
        o[batch.length()] = w[batch.length()] = f[0];
        o[batch.length() + 1] = w[batch.length() + 1] = s[0];
        return l.reshape(moved, new Dims(o, w));
    }

    /** The product of the sizes of {@code letters} (none may carry the batch). */
    private static long[] product(String letters, String has, Dims d, OnnxModel.Node n) {
        long p = 1;
        for (char c : letters.toCharArray()) {
            int i = has.indexOf(c);
            if (d.batchAxis(i)) throw OnnxArchitecture.unsupported(n, "Einsum contracting or merging the batch axis");
            p *= d.one()[i];
        }
        return new long[]{p};
    }

    private Dims dims(String order, Dims dx, Dims dy) {
        return new Dims(shape(order, dx.one(), dy.one()), shape(order, dx.two(), dy.two()));
    }

    private long[] shape(String order, long[] x, long[] y) {
        long[] o = new long[order.length()];
        for (int i = 0; i < o.length; i++) o[i] = size(order.charAt(i), x, y);
        return o;
    }
}
