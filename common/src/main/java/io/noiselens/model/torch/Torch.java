package io.noiselens.model.torch;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The libtorch runtime (2.10, through JavaCPP's presets) as the torch engine uses it: float32 CPU tensors made from
 * and read into Java arrays with one native copy each (no per-element Java loops), and the size of torch's intra-op
 * thread pool. Every tensor returned here owns its storage and must be closed (try-with-resources, or a
 * {@link org.bytedeco.javacpp.PointerScope} around a step).
 */
public final class Torch {
    private Torch() {}

    /** A float32 CPU tensor of {@code shape} holding a copy of {@code values} (row-major). */
    public static Tensor tensor(float[] values, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != values.length) {
            throw new IllegalArgumentException(values.length + " values for shape " + java.util.Arrays.toString(shape));
        }
        try (TensorOptions options = new TensorOptions(torch.ScalarType.Float)) {
            Tensor t = torch.empty(shape, options, null);
            t.data_ptr_float().put(values);
            return t;
        }
    }

    /** The values of {@code t} as float32, row-major (one native copy). */
    public static float[] floats(Tensor t) {
        try (Tensor f = t.to(torch.ScalarType.Float); Tensor cpu = f.cpu(); Tensor c = cpu.contiguous()) {
            float[] out = new float[(int) c.numel()];
            c.data_ptr_float().get(out);
            return out;
        }
    }

    /**
     * A float32 CPU tensor holding a copy of {@code a}: one native memcpy from ND4J's buffer when {@code a} is a
     * dense row-major float array, else through a Java array.
     */
    public static Tensor tensor(INDArray a) {
        long[] shape = a.shape();
        if (a.dataType() == DataType.FLOAT && a.ordering() == 'c' && !a.isView() && a.length() == a.data().length()) {
            try (TensorOptions options = new TensorOptions(torch.ScalarType.Float)) {
                Tensor t = torch.empty(shape, options, null);
                Pointer.memcpy(t.data_ptr_float(), a.data().pointer(), a.length() * Float.BYTES);
                return t;
            }
        }
        INDArray f = a.castTo(DataType.FLOAT).dup('c');
        try {
            return tensor(f.data().asFloat(), shape);
        } finally {
            f.close();
        }
    }

    /** A float32 ND4J array of {@code t}'s shape holding a copy of its values (one native memcpy); the caller frees it. */
    public static INDArray array(Tensor t) {
        try (Tensor f = t.to(torch.ScalarType.Float); Tensor cpu = f.cpu(); Tensor c = cpu.contiguous()) {
            INDArray out = Nd4j.create(DataType.FLOAT, c.shape());
            Pointer.memcpy(out.data().pointer(), c.data_ptr_float(), c.numel() * Float.BYTES);
            return out;
        }
    }

    /** Sizes torch's intra-op pool for this JVM (the executor's task cores); at least 1. */
    public static void threads(int n) {
        torch.set_num_threads(Math.max(1, n));
    }

    /** Torch's intra-op pool size. */
    public static int threads() {
        return torch.get_num_threads();
    }
}
