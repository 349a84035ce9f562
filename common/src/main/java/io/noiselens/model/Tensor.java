package io.noiselens.model;

import java.util.Arrays;

/**
 * One named parameter tensor of a model, in float32, row-major. {@code trainable} is false for buffers such
 * as BatchNorm running statistics, which weight noise never touches (METHODS.md §1.6).
 */
public record Tensor(String name, long[] shape, float[] data, boolean trainable) {
    public Tensor {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != data.length) {
            throw new IllegalArgumentException("Tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " (" + n + " values) but " + data.length + " values");
        }
    }

    public Tensor withData(float[] newData) {
        return new Tensor(name, shape, newData, trainable);
    }

    public int size() {
        return data.length;
    }
}
