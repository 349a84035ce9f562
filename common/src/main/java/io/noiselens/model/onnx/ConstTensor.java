package io.noiselens.model.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * A constant tensor the import evaluates in Java: what the shape-computing parts of an exported graph produce
 * (Shape, Gather on shapes, Range, ConstantOfShape, Equal/Where, ScatterND of a Swin attention mask, …), folded
 * once at import for the model's input size instead of being executed per batch. Values are doubles; {@code integer}
 * marks integer and boolean tensors (exact up to 2^53, and INT64_MAX/MIN, ONNX's "to the end" markers, saturate as
 * they should). The operations follow the ONNX operator definitions with numpy broadcasting.
 */
public record ConstTensor(long[] dims, double[] v, boolean integer) {
    public ConstTensor {
        if (size(dims) != v.length) throw new IllegalArgumentException(v.length + " values for shape " + Arrays.toString(dims));
    }

    static long size(long[] dims) {
        long s = 1;
        for (long d : dims) s *= d;
        return s;
    }

    public static ConstTensor of(OnnxModel.Initializer t) {
        if (t.floats() != null) {
            double[] v = new double[t.floats().length];
            for (int i = 0; i < v.length; i++) v[i] = t.floats()[i];
            return new ConstTensor(t.dims(), v, false);
        }
        if (t.longs() != null) return ints(t.dims(), t.longs());
        throw new IllegalArgumentException("tensor '" + t.name() + "' of ONNX data type " + t.dataType());
    }

    public static ConstTensor ints(long[] dims, long... values) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) v[i] = values[i];
        return new ConstTensor(dims, v, true);
    }

    /** A 1-D integer tensor. */
    public static ConstTensor vector(long... values) {
        return ints(new long[]{values.length}, values);
    }

    public long[] longs() {
        long[] out = new long[v.length];
        for (int i = 0; i < out.length; i++) out[i] = (long) v[i];
        return out;
    }

    public float[] floats() {
        float[] out = new float[v.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) v[i];
        return out;
    }

    public int rank() {
        return dims.length;
    }

    static long[] strides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** Numpy broadcasting of two shapes (right-aligned; 1 stretches). */
    static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long x = i < r - a.length ? 1 : a[i - (r - a.length)], y = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (x != y && x != 1 && y != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = x == 1 ? y : x;
        }
        return out;
    }

    /** The flat index into {@code t} of the element at {@code index} of a broadcast shape {@code out}. */
    private static long source(long[] index, long[] out, long[] dims, long[] strides) {
        long s = 0;
        int off = out.length - dims.length;
        for (int i = 0; i < dims.length; i++) if (dims[i] != 1) s += index[i + off] * strides[i];
        return s;
    }

    private static void next(long[] index, long[] dims) {
        for (int i = dims.length - 1; i >= 0; i--) {
            if (++index[i] < dims[i]) return;
            index[i] = 0;
        }
    }

    public static ConstTensor binary(ConstTensor a, ConstTensor b, DoubleBinaryOperator f, boolean integer) {
        long[] out = broadcast(a.dims, b.dims);
        double[] v = new double[(int) size(out)];
        long[] sa = strides(a.dims), sb = strides(b.dims), index = new long[out.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(a.v[(int) source(index, out, a.dims, sa)], b.v[(int) source(index, out, b.dims, sb)]);
            next(index, out);
        }
        return new ConstTensor(out, v, integer);
    }

    public ConstTensor map(DoubleUnaryOperator f, boolean integer) {
        double[] out = new double[v.length];
        for (int i = 0; i < out.length; i++) out[i] = f.applyAsDouble(v[i]);
        return new ConstTensor(dims, out, integer);
    }

    public static ConstTensor where(ConstTensor c, ConstTensor a, ConstTensor b) {
        long[] out = broadcast(broadcast(c.dims, a.dims), b.dims);
        double[] v = new double[(int) size(out)];
        long[] sc = strides(c.dims), sa = strides(a.dims), sb = strides(b.dims), index = new long[out.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = c.v[(int) source(index, out, c.dims, sc)] != 0 ? a.v[(int) source(index, out, a.dims, sa)]
                    : b.v[(int) source(index, out, b.dims, sb)];
            next(index, out);
        }
        return new ConstTensor(out, v, a.integer && b.integer);
    }

    public ConstTensor expand(long[] shape) {
        return binary(this, new ConstTensor(shape, new double[(int) size(shape)], integer), (x, y) -> x, integer);
    }

    public ConstTensor reshape(long[] shape) {
        return new ConstTensor(shape, v, integer);
    }

    public ConstTensor transpose(int[] perm) {
        long[] out = new long[perm.length];
        for (int i = 0; i < perm.length; i++) out[i] = dims[perm[i]];
        long[] s = strides(dims), index = new long[out.length];
        double[] r = new double[v.length];
        for (int i = 0; i < r.length; i++) {
            long src = 0;
            for (int k = 0; k < perm.length; k++) src += index[k] * s[perm[k]];
            r[i] = v[(int) src];
            next(index, out);
        }
        return new ConstTensor(out, r, integer);
    }

    /** Elements {@code idx} (negative counts from the end) along {@code axis}; the result has idx's dims there. */
    public ConstTensor gather(int axis, ConstTensor idx) {
        long[] out = new long[dims.length - 1 + idx.rank()];
        System.arraycopy(dims, 0, out, 0, axis);
        System.arraycopy(idx.dims, 0, out, axis, idx.rank());
        System.arraycopy(dims, axis + 1, out, axis + idx.rank(), dims.length - axis - 1);
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= dims[i];
        for (int i = axis + 1; i < dims.length; i++) inner *= dims[i];
        double[] r = new double[(int) size(out)];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            for (double jd : idx.v) {
                long j = (long) jd < 0 ? (long) jd + dims[axis] : (long) jd;
                if (j < 0 || j >= dims[axis]) throw new IllegalArgumentException("index " + (long) jd + " out of " + dims[axis]);
                for (long i = 0; i < inner; i++) r[k++] = v[(int) ((o * dims[axis] + j) * inner + i)];
            }
        }
        return new ConstTensor(out, r, integer);
    }

    public static ConstTensor concat(List<ConstTensor> parts, int axis) {
        long[] out = parts.get(0).dims.clone();
        out[axis] = 0;
        for (ConstTensor p : parts) out[axis] += p.dims[axis];
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= out[i];
        double[] r = new double[(int) size(out)];
        int k = 0;
        boolean integer = true;
        for (long o = 0; o < outer; o++) {
            for (ConstTensor p : parts) {
                int chunk = (int) (p.v.length / Math.max(1, outer));
                System.arraycopy(p.v, (int) (o * chunk), r, k, chunk);
                k += chunk;
            }
        }
        for (ConstTensor p : parts) integer &= p.integer;
        return new ConstTensor(out, r, integer);
    }

    /** ONNX Slice: per axis, start/end clamped (negative from the end), any non-zero step. */
    public ConstTensor slice(long[] starts, long[] ends, long[] axes, long[] steps) {
        long[][] picks = new long[dims.length][];
        for (int i = 0; i < dims.length; i++) {
            picks[i] = new long[(int) dims[i]];
            for (int j = 0; j < dims[i]; j++) picks[i][j] = j;
        }
        for (int a = 0; a < starts.length; a++) {
            int axis = (int) (axes == null ? a : axes[a] < 0 ? axes[a] + dims.length : axes[a]);
            long step = steps == null ? 1 : steps[a];
            long[] range = io.noiselens.model.Dims.sliceIndices(dims[axis], starts[a], ends[a], step);
            picks[axis] = range;
        }
        long[] out = new long[dims.length];
        for (int i = 0; i < out.length; i++) out[i] = picks[i].length;
        long[] s = strides(dims), index = new long[out.length];
        double[] r = new double[(int) size(out)];
        for (int i = 0; i < r.length; i++) {
            long src = 0;
            for (int k = 0; k < out.length; k++) src += picks[k][(int) index[k]] * s[k];
            r[i] = v[(int) src];
            next(index, out);
        }
        return new ConstTensor(out, r, integer);
    }

    /** ScatterND with reduction none: data with the slices at {@code indices} replaced by {@code updates}. */
    public ConstTensor scatterNd(ConstTensor indices, ConstTensor updates) {
        double[] r = v.clone();
        int q = indices.rank(), k = (int) indices.dims[q - 1];
        long[] s = strides(dims);
        long slice = 1;
        for (int i = k; i < dims.length; i++) slice *= dims[i];
        int count = (int) (indices.v.length / k);
        for (int u = 0; u < count; u++) {
            long off = 0;
            for (int i = 0; i < k; i++) {
                long idx = (long) indices.v[u * k + i];
                off += (idx < 0 ? idx + dims[i] : idx) * s[i];
            }
            System.arraycopy(updates.v, (int) (u * slice), r, (int) off, (int) slice);
        }
        return new ConstTensor(dims, r, integer);
    }

    /** Reduction over {@code axes} (all when empty) with {@code keep} dims; {@code mean}, else sum/prod/max/min. */
    public ConstTensor reduce(long[] axes, boolean keep, String op) {
        boolean[] red = new boolean[dims.length];
        if (axes == null || axes.length == 0) Arrays.fill(red, true);
        else for (long a : axes) red[(int) (a < 0 ? a + dims.length : a)] = true;
        List<Long> outDims = new ArrayList<>(), keptDims = new ArrayList<>();
        for (int i = 0; i < dims.length; i++) {
            if (!red[i]) outDims.add(dims[i]);
            keptDims.add(red[i] ? 1 : dims[i]);
        }
        long[] kept = keptDims.stream().mapToLong(Long::longValue).toArray();
        double[] acc = new double[(int) size(kept)];
        double init = switch (op) {
            case "prod" -> 1;
            case "max" -> Double.NEGATIVE_INFINITY;
            case "min" -> Double.POSITIVE_INFINITY;
            default -> 0;
        };
        Arrays.fill(acc, init);
        long[] ks = strides(kept), index = new long[dims.length];
        for (double x : v) {
            long t = 0;
            for (int i = 0; i < dims.length; i++) if (!red[i]) t += index[i] * ks[i];
            int j = (int) t;
            acc[j] = switch (op) {
                case "prod" -> acc[j] * x;
                case "max" -> Math.max(acc[j], x);
                case "min" -> Math.min(acc[j], x);
                default -> acc[j] + x;
            };
            next(index, dims);
        }
        if (op.equals("mean")) {
            double n = (double) v.length / acc.length;
            for (int i = 0; i < acc.length; i++) acc[i] /= n;
        }
        return new ConstTensor(keep ? kept : outDims.stream().mapToLong(Long::longValue).toArray(), acc,
                integer && !op.equals("mean"));
    }

    public static ConstTensor range(double start, double limit, double delta, boolean integer) {
        int n = (int) Math.max(0, Math.ceil((limit - start) / delta));
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = start + i * delta;
        return new ConstTensor(new long[]{n}, v, integer);
    }

    public ConstTensor tile(long[] repeats) {
        long[] out = new long[dims.length];
        for (int i = 0; i < out.length; i++) out[i] = dims[i] * repeats[i];
        long[] s = strides(dims), index = new long[out.length];
        double[] r = new double[(int) size(out)];
        for (int i = 0; i < r.length; i++) {
            long src = 0;
            for (int k = 0; k < out.length; k++) src += (index[k] % dims[k]) * s[k];
            r[i] = v[(int) src];
            next(index, out);
        }
        return new ConstTensor(out, r, integer);
    }

    /** ONNX Pad, constant mode, pads [begin…, end…] (negative pads crop). */
    public ConstTensor pad(long[] pads, double value) {
        int r = dims.length;
        long[] out = new long[r];
        for (int i = 0; i < r; i++) out[i] = dims[i] + pads[i] + pads[i + r];
        double[] o = new double[(int) size(out)];
        long[] s = strides(dims), index = new long[r];
        for (int i = 0; i < o.length; i++) {
            long src = 0;
            boolean inside = true;
            for (int k = 0; k < r && inside; k++) {
                long j = index[k] - pads[k];
                if (j < 0 || j >= dims[k]) inside = false;
                else src += j * s[k];
            }
            o[i] = inside ? v[(int) src] : value;
            next(index, out);
        }
        return new ConstTensor(out, o, integer);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConstTensor c && Arrays.equals(dims, c.dims) && Arrays.equals(v, c.v) && integer == c.integer;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims) * 31 + Arrays.hashCode(v);
    }

    @Override
    public String toString() {
        return (integer ? "int" : "float") + Arrays.toString(dims) + (v.length <= 8 ? "=" + Arrays.toString(v) : "");
    }
}
