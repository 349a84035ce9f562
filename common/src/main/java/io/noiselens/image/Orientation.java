package io.noiselens.image;

/**
 * EXIF orientation (TIFF tag 274): the flip or rotation that brings the stored pixels the way up, as viewers and
 * PIL's {@code ImageOps.exif_transpose} apply it. 1 is the identity; 5–8 swap height and width.
 */
final class Orientation {
    private Orientation() {}

    static ImageDecoder.Decoded apply(ImageDecoder.Decoded d, int orientation) {
        if (orientation <= 1 || orientation > 8) return d;
        int h = d.height(), w = d.width(), c = d.channels();
        boolean swap = orientation >= 5;
        int oh = swap ? w : h, ow = swap ? h : w;
        float[] src = d.pixels(), out = new float[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sy, sx;
                switch (orientation) {
                    case 2 -> { sy = y; sx = w - 1 - x; }
                    case 3 -> { sy = h - 1 - y; sx = w - 1 - x; }
                    case 4 -> { sy = h - 1 - y; sx = x; }
                    case 5 -> { sy = x; sx = y; }
                    case 6 -> { sy = h - 1 - x; sx = y; }
                    case 7 -> { sy = h - 1 - x; sx = w - 1 - y; }
                    default -> { sy = x; sx = w - 1 - y; }
                }
                for (int k = 0; k < c; k++) out[k * oh * ow + y * ow + x] = src[k * h * w + sy * w + sx];
            }
        }
        return new ImageDecoder.Decoded(out, c, oh, ow);
    }
}
