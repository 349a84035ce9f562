package io.noiselens.model;

/**
 * The built-in small CNN: four 3×3 convolutions (16, 32, 64, 64 channels) with ReLU and 2×2 max pooling after
 * the first three, global max pooling (an object-presence detector) and a linear classifier. Piecewise linear, so its gradients are exact
 * targets for closed-form tests; trainable by NoiseLens itself (no BatchNorm).
 */
public final class SmallCnn implements Architecture {
    public static final String NAME = "small_cnn";
    /** Bump when the layout changes, so cached demo models of the old layout are not reused. */
    public static final int VERSION = 2;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public <T> Layers.Act<T> define(Layers<T> l, Layers.Act<T> x, ModelSpec spec) {
        x = l.maxPool(l.relu(l.conv("conv1", x, 16, 3, 1, 1, true, false)), 2, 2, 0);
        x = l.maxPool(l.relu(l.conv("conv2", x, 32, 3, 1, 1, true, false)), 2, 2, 0);
        x = l.maxPool(l.relu(l.conv("conv3", x, 64, 3, 1, 1, true, false)), 2, 2, 0);
        x = l.relu(l.conv("conv4", x, 64, 3, 1, 1, true, false));
        return l.dense("fc", l.globalMaxPool(x), spec.numClasses());
    }
}
