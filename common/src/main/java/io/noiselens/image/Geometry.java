package io.noiselens.image;

import io.noiselens.data.BoundingBox;

import java.util.List;

/**
 * Where an image's pixels land in the model input: torchvision's {@code Resize(shorter)} (the shorter side to
 * {@code shorter}, the longer one to {@code int(shorter · long / short)}) followed by {@code CenterCrop(outH, outW)}
 * (offsets {@code round((size − crop) / 2)}, Python's half-even rounding); or, with {@code shorter} = 0, a resize
 * straight to the model's input size. The same geometry maps bounding boxes to masks, so localisation metrics
 * see the object where the model sees it.
 */
public record Geometry(int srcH, int srcW, int resizedH, int resizedW, int top, int left, int outH, int outW) {

    public static Geometry of(int srcH, int srcW, int shorter, int outH, int outW) {
        if (shorter <= 0) return new Geometry(srcH, srcW, outH, outW, 0, 0, outH, outW);
        int rh, rw;
        if (srcW <= srcH) {
            rw = shorter;
            rh = (int) ((long) shorter * srcH / srcW);
        } else {
            rh = shorter;
            rw = (int) ((long) shorter * srcW / srcH);
        }
        if (rh < outH || rw < outW) {
            throw new IllegalArgumentException("resizing the shorter side of a " + srcW + "x" + srcH + " image to "
                    + shorter + " gives " + rw + "x" + rh + ", smaller than the " + outW + "x" + outH + " crop");
        }
        return new Geometry(srcH, srcW, rh, rw, (int) Math.rint((rh - outH) / 2.0), (int) Math.rint((rw - outW) / 2.0),
                outH, outW);
    }

    /** The C×srcH×srcW image resized and cropped to C×outH×outW. */
    public float[] apply(float[] chw, int c) {
        float[] r = Resample.bilinear(chw, c, srcH, srcW, resizedH, resizedW);
        if (resizedH == outH && resizedW == outW) return r;
        float[] out = new float[c * outH * outW];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < outH; y++) {
                System.arraycopy(r, (k * resizedH + top + y) * resizedW + left, out, (k * outH + y) * outW, outW);
            }
        }
        return out;
    }

    /** Output pixels whose centre, mapped back to the source image, lies inside any of the boxes. */
    public boolean[] mask(List<BoundingBox> boxes) {
        boolean[] m = new boolean[outH * outW];
        double sy = (double) srcH / resizedH, sx = (double) srcW / resizedW;
        for (int y = 0; y < outH; y++) {
            double ys = (y + top + 0.5) * sy;
            for (int x = 0; x < outW; x++) {
                double xs = (x + left + 0.5) * sx;
                for (BoundingBox b : boxes) {
                    if (b.contains(xs, ys)) {
                        m[y * outW + x] = true;
                        break;
                    }
                }
            }
        }
        return m;
    }
}
