package io.noiselens.model;

/**
 * The Fashion-MNIST classifier of the real-data example: two 3×3 convolutions (32, 64 channels) with ReLU and 2×2
 * max pooling, a 128-unit ReLU layer and a linear classifier — the convnet of the dataset's own benchmark
 * ({@code benchmark/convnet.py}) without dropout. Piecewise linear and trainable by NoiseLens.
 */
public final class FashionCnn implements Architecture {
    public static final String NAME = "fashion_cnn";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public <T> Layers.Act<T> define(Layers<T> l, Layers.Act<T> x, ModelSpec spec) {
        x = l.maxPool(l.relu(l.conv("conv1", x, 32, 3, 1, 1, true, false)), 2, 2, 0);
        x = l.maxPool(l.relu(l.conv("conv2", x, 64, 3, 1, 1, true, false)), 2, 2, 0);
        x = l.relu(l.dense("fc1", l.flatten(x), 128));
        return l.dense("fc2", x, spec.numClasses());
    }
}
