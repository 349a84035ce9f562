package io.noiselens.image;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Decodes encoded images (JPEG, PNG, BMP, GIF: whatever javax.imageio reads, recognised by content rather than
 * file name) into C×H×W floats in [0, 1]. Grayscale images are replicated to three channels when three are
 * wanted; alpha is dropped. A file that cannot be decoded raises {@link BadImageException} with the reason.
 */
public final class ImageDecoder {
    private ImageDecoder() {}

    /** A decoded image in pixel space. */
    public record Decoded(float[] pixels, int channels, int height, int width) {}

    /** Why an image was rejected; the message goes to the errors table. */
    public static final class BadImageException extends Exception {
        public BadImageException(String message) {
            super(message);
        }
    }

    public static Decoded decode(byte[] bytes, int channels, long maxPixels) throws BadImageException {
        if (bytes == null || bytes.length == 0) throw new BadImageException("empty file (0 bytes)");
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new BadImageException("cannot decode image: " + e.getMessage());
        }
        if (img == null) throw new BadImageException("not a recognised image format (" + bytes.length + " bytes)");
        int h = img.getHeight(), w = img.getWidth();
        if ((long) h * w > maxPixels) {
            throw new BadImageException("image is " + w + "x" + h + " = " + ((long) h * w)
                    + " pixels, over the limit of " + maxPixels + " (raise dataset.max_pixels to accept it)");
        }
        Raster raster = img.getRaster();
        int bands = raster.getNumBands();
        boolean gray = img.getColorModel().getNumColorComponents() == 1;
        float[] out = new float[channels * h * w];
        int plane = h * w;
        if (gray || channels == 1) {
            double max = (1L << img.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v;
                    if (gray) {
                        v = (float) (raster.getSampleDouble(x, y, 0) / max);
                    } else {
                        int rgb = img.getRGB(x, y);
                        v = (0.299f * ((rgb >> 16) & 0xFF) + 0.587f * ((rgb >> 8) & 0xFF) + 0.114f * (rgb & 0xFF)) / 255f;
                    }
                    for (int c = 0; c < channels; c++) out[c * plane + y * w + x] = v;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int rgb = row[x];
                    out[y * w + x] = ((rgb >> 16) & 0xFF) / 255f;
                    out[plane + y * w + x] = ((rgb >> 8) & 0xFF) / 255f;
                    out[2 * plane + y * w + x] = (rgb & 0xFF) / 255f;
                }
            }
        }
        if (bands == 0) throw new BadImageException("image has no colour bands");
        return new Decoded(out, channels, h, w);
    }

    /** Bilinear resize of a C×H×W array (half-pixel centres, as PIL and torchvision without antialias). */
    public static float[] resize(float[] src, int c, int h, int w, int nh, int nw) {
        if (h == nh && w == nw) return src;
        float[] out = new float[c * nh * nw];
        double sy = (double) h / nh, sx = (double) w / nw;
        for (int y = 0; y < nh; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, h - 1), y1 = Math.min(y0 + 1, h - 1);
            double ty = fy - y0;
            for (int x = 0; x < nw; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, w - 1), x1 = Math.min(x0 + 1, w - 1);
                double tx = fx - x0;
                for (int k = 0; k < c; k++) {
                    int base = k * h * w;
                    double top = src[base + y0 * w + x0] * (1 - tx) + src[base + y0 * w + x1] * tx;
                    double bot = src[base + y1 * w + x0] * (1 - tx) + src[base + y1 * w + x1] * tx;
                    out[k * nh * nw + y * nw + x] = (float) (top * (1 - ty) + bot * ty);
                }
            }
        }
        return out;
    }

    /** Encodes a C×H×W [0, 1] image as PNG or JPEG bytes (for fixtures, reports and the demo folder set). */
    public static byte[] encode(float[] px, int c, int h, int w, String format) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = to8(px[y * w + x]);
                int g = c == 3 ? to8(px[plane + y * w + x]) : r;
                int b = c == 3 ? to8(px[2 * plane + y * w + x]) : r;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) throw new IOException("no ImageIO writer for " + format);
        return out.toByteArray();
    }

    private static int to8(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255)));
    }
}
