package io.noiselens.model;

/**
 * How the per-image values of a layer's output read as a map of {@code channels} planes of height×width, for layer
 * explainers (class activation maps): CHW (convolutions, and general tensors [C, H, W]), HWC (channel-last stages,
 * as Swin's [H, W, C]), TOKENS (a vision transformer's sequence: a class token, then height×width patch tokens of
 * {@code channels} features, row-major — pytorch-grad-cam's {@code reshape_transform} for ViT, which drops the class
 * token) and PATCHES (the same without a class token).
 */
public record MapLayout(int channels, int height, int width, Kind kind) {
    public enum Kind { CHW, HWC, TOKENS, PATCHES }

    /** A convolution's C×H×W output. */
    public static MapLayout chw(int c, int h, int w) {
        return new MapLayout(c, h, w, Kind.CHW);
    }

    /**
     * The layout of a general tensor's per-image shape, or null when it is no map: [T, D] with T = 1 + g² (class
     * token) or T = g², g &gt; 1; [A, B, C] as CHW when B = C (square planes), as HWC when A = B and C differs.
     */
    public static MapLayout infer(long[] perImage) {
        if (perImage.length == 2) {
            long t = perImage[0];
            int d = (int) perImage[1];
            int g = (int) Math.round(Math.sqrt(t - 1));
            if (g > 1 && (long) g * g == t - 1) return new MapLayout(d, g, g, Kind.TOKENS);
            g = (int) Math.round(Math.sqrt(t));
            if (g > 1 && (long) g * g == t) return new MapLayout(d, g, g, Kind.PATCHES);
            return null;
        }
        if (perImage.length == 3) {
            int a = (int) perImage[0], b = (int) perImage[1], c = (int) perImage[2];
            if (b == c && b > 1) return chw(a, b, c);
            if (a == b && a > 1) return new MapLayout(c, a, b, Kind.HWC);
        }
        return null;
    }

    /** Values per image in the tensor's own layout. */
    public int size() {
        return channels * height * width + (kind == Kind.TOKENS ? channels : 0);
    }

    /** The map as channels planes of height×width from one image's values at {@code offset}. */
    public float[] planar(float[] values, int offset) {
        int plane = height * width;
        float[] out = new float[channels * plane];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < channels; c++) {
                out[c * plane + p] = values[offset + switch (kind) {
                    case CHW -> c * plane + p;
                    case HWC, PATCHES -> p * channels + c;
                    case TOKENS -> (p + 1) * channels + c;
                }];
            }
        }
        return out;
    }
}
