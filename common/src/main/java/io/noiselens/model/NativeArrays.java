package io.noiselens.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Copies results out of ND4J arrays and frees their native buffers at once. An array left to the garbage collector
 * keeps its off-heap buffer until a collection that the small Java heap of its wrapper may not trigger for a long
 * time: an executor's resident memory then grows with the number of images it has explained. Every array a model
 * call creates or returns is freed here after its values are copied.
 */
public final class NativeArrays {
    private NativeArrays() {}

    /**
     * A float32 array of {@code shape} holding {@code values} (row-major) that owns its buffer, so {@link #close}
     * frees it. {@code Nd4j.createFromArray(values).reshape(shape)} returns a view, which cannot be closed: its buffer
     * stays until the garbage collector finds the wrapper, as every model call's input did before.
     */
    public static INDArray of(float[] values, long... shape) {
        return org.nd4j.linalg.factory.Nd4j.create(values, shape, 'c');
    }

    /** The values of {@code a} as float32, in row-major order; {@code a} is freed. */
    public static float[] drainFloats(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        float[] v = f.reshape(f.length()).toFloatVector();
        if (f != a) close(f);
        close(a);
        return v;
    }

    /** The values of a [rows, …] array as float32, one Java array per row; {@code a} is freed. */
    public static float[][] drainRows(INDArray a, int rows) {
        return LayerProbe.split(drainFloats(a), rows);
    }

    /** The values of {@code a} as float64, in row-major order; {@code a} is freed. */
    public static double[] drainDoubles(INDArray a) {
        INDArray d = a.dataType() == DataType.DOUBLE ? a : a.castTo(DataType.DOUBLE);
        double[] v = d.reshape(d.length()).toDoubleVector();
        if (d != a) close(d);
        close(a);
        return v;
    }

    /** Frees each array that owns its buffer (views and workspace arrays are left alone). */
    public static void close(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && !a.wasClosed() && a.closeable()) a.close();
        }
        NativeMemory.check();
    }
}
