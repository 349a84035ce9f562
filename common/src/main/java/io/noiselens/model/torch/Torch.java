package io.noiselens.model.torch;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The libtorch runtime (2.10, through JavaCPP's presets) as the torch engine uses it: float32 tensors made from and
 * read into Java arrays with one native copy each (no per-element Java loops), on the engine's device ({@link #place}:
 * the CPU, or the executor's GPU with a CUDA build of libtorch), and the size of torch's intra-op thread pool. Every
 * tensor returned here owns its storage and must be closed (try-with-resources, or a
 * {@link org.bytedeco.javacpp.PointerScope} around a step).
 */
public final class Torch {
    private Torch() {}

    /** The engine's device: null for the CPU, else the CUDA device {@link #place} chose for this JVM. */
    private static volatile Device device;

    /**
     * Puts this JVM's torch engine on CUDA device {@code ordinal} (−1: none assigned, device 0 if there is one) when
     * its libtorch was built with CUDA and sees that device, else on the CPU; returns the one log line saying which.
     * On a GPU, float32 means float32: TF32 is turned off for cuDNN convolutions and matrix products, so maps equal
     * the CPU engine's within fp32 rounding.
     */
    public static synchronized String place(int ordinal) {
        if (!torch.cuda_is_available()) {
            device = null;
            return ordinal >= 0
                    ? "GPU ordinal " + ordinal + " assigned, but this libtorch has no CUDA device (CPU build, or no "
                    + "driver): the torch engine computes on the CPU (build with -Ptorch-gpu on a CUDA 13 host)"
                    : "the torch engine computes on the CPU";
        }
        int count = torch.cuda_device_count();
        int o = Math.max(ordinal, 0);
        if (o >= count) {
            device = null;
            return "CUDA device " + o + " is not among the " + count + " libtorch sees: the torch engine computes on the CPU";
        }
        torch.globalContext().setAllowTF32CuDNN(false);
        torch.globalContext().setFloat32MatmulPrecision("highest");
        device = new Device("cuda:" + o);
        return "the torch engine computes on CUDA device " + o + " (TF32 off)";
    }

    /** Keeps this JVM's torch engine on the CPU whatever devices there are; returns the log line. */
    public static synchronized String useCpu() {
        device = null;
        return "the torch engine computes on the CPU";
    }

    /** Whether the engine runs on a GPU in this JVM. */
    public static boolean onGpu() {
        return device != null;
    }

    /** {@code cpu} moved to the engine's device (itself on the CPU; on a GPU the CPU copy is freed). */
    private static Tensor placed(Tensor cpu) {
        return placed(cpu, torch.ScalarType.Float);
    }

    private static Tensor placed(Tensor cpu, torch.ScalarType type) {
        Device d = device;
        if (d == null) return cpu;
        try (cpu) {
            return cpu.to(d, type);
        }
    }

    /** A float32 tensor of zeros of {@code shape} on the engine's device. */
    public static Tensor zeros(long... shape) {
        return placed(torch.zeros(shape));
    }

    /** A float32 tensor of {@code shape} on the engine's device holding a copy of {@code values} (row-major). */
    public static Tensor tensor(float[] values, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != values.length) {
            throw new IllegalArgumentException(values.length + " values for shape " + java.util.Arrays.toString(shape));
        }
        try (TensorOptions options = new TensorOptions(torch.ScalarType.Float)) {
            Tensor t = torch.empty(shape, options, null);
            t.data_ptr_float().put(values);
            return placed(t);
        }
    }

    /** An int64 tensor of {@code shape} on the engine's device holding {@code values} (indices for gathers). */
    public static Tensor longs(long[] values, long... shape) {
        try (TensorOptions options = new TensorOptions(torch.ScalarType.Long)) {
            Tensor t = torch.empty(shape, options, null);
            t.data_ptr_long().put(values);
            return placed(t, torch.ScalarType.Long);
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
     * A float32 tensor on the engine's device holding a copy of {@code a}: one native memcpy from ND4J's buffer when
     * {@code a} is a dense row-major float array (then one host-to-device copy on a GPU), else through a Java array.
     */
    public static Tensor tensor(INDArray a) {
        long[] shape = a.shape();
        if (a.dataType() == DataType.FLOAT && a.ordering() == 'c' && !a.isView() && a.length() == a.data().length()) {
            try (TensorOptions options = new TensorOptions(torch.ScalarType.Float)) {
                Tensor t = torch.empty(shape, options, null);
                Pointer.memcpy(t.data_ptr_float(), a.data().pointer(), a.length() * Float.BYTES);
                return placed(t);
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
