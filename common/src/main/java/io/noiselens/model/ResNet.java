package io.noiselens.model;

/**
 * ResNet layouts as in torchvision (He et al., "Deep Residual Learning for Image Recognition", CVPR 2016;
 * stride on the 3×3 convolution of bottlenecks, "v1.5"): a 7×7/2 stem with max pooling, four stages, global
 * average pooling and a linear classifier. Every convolution is followed by BatchNorm, folded for inference
 * (see {@link Layers}). Parameter names follow torchvision's module names with ".bn" for the BatchNorm of a
 * convolution, so imported weights map one to one.
 */
public final class ResNet implements Architecture {
    private final String name;
    private final int[] blocks;
    private final boolean bottleneck;

    private ResNet(String name, int[] blocks, boolean bottleneck) {
        this.name = name;
        this.blocks = blocks;
        this.bottleneck = bottleneck;
    }

    public static ResNet resnet18() {
        return new ResNet("resnet18", new int[]{2, 2, 2, 2}, false);
    }

    public static ResNet resnet50() {
        return new ResNet("resnet50", new int[]{3, 4, 6, 3}, true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public <T> Layers.Act<T> define(Layers<T> l, Layers.Act<T> x, ModelSpec spec) {
        x = l.relu(l.conv("conv1", x, 64, 7, 2, 3, false, true));
        x = l.maxPool(x, 3, 2, 1);
        int[] widths = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; stage++) {
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = (stage > 0 && b == 0) ? 2 : 1;
                String p = "layer" + (stage + 1) + "." + b;
                x = l.nameOutput(p, bottleneck ? bottleneck(l, p, x, widths[stage], stride)
                        : basic(l, p, x, widths[stage], stride));
            }
            l.nameOutput("layer" + (stage + 1), x);
        }
        return l.dense("fc", l.globalAvgPool(x), spec.numClasses());
    }

    private static <T> Layers.Act<T> basic(Layers<T> l, String p, Layers.Act<T> x, int width, int stride) {
        Layers.Act<T> y = l.relu(l.conv(p + ".conv1", x, width, 3, stride, 1, false, true));
        y = l.conv(p + ".conv2", y, width, 3, 1, 1, false, true, true);
        return l.relu(l.add(y, shortcut(l, p, x, width, stride)));
    }

    private static <T> Layers.Act<T> bottleneck(Layers<T> l, String p, Layers.Act<T> x, int width, int stride) {
        Layers.Act<T> y = l.relu(l.conv(p + ".conv1", x, width, 1, 1, 0, false, true));
        y = l.relu(l.conv(p + ".conv2", y, width, 3, stride, 1, false, true));
        y = l.conv(p + ".conv3", y, width * 4, 1, 1, 0, false, true, true);
        return l.relu(l.add(y, shortcut(l, p, x, width * 4, stride)));
    }

    private static <T> Layers.Act<T> shortcut(Layers<T> l, String p, Layers.Act<T> x, int out, int stride) {
        return (stride == 1 && x.c() == out) ? x : l.conv(p + ".downsample", x, out, 1, stride, 0, false, true);
    }
}
