package io.noiselens.image;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decodes encoded images into C×H×W floats in [0, 1], recognising the format by content rather than file name
 * (ImageNet has PNGs named .JPEG): JPEG (baseline, progressive, grayscale, and CMYK/YCCK, which javax.imageio
 * cannot turn into RGB itself), PNG (8 and 16 bits, palette, gray, alpha), BMP, GIF. The pixel limit is checked on
 * the header before any pixel is decoded; JPEG EXIF orientation is applied, so the image is the way up a viewer
 * shows it. Grayscale is replicated to three channels when three are wanted; alpha is dropped. A file that cannot
 * be decoded (empty, truncated, corrupt, unknown format, too large) raises {@link BadImageException} with the
 * reason.
 *
 * <p>CMYK follows PIL's conversion (R = (255 − C)(255 − K)/255, likewise G and B), so maps of CMYK images match
 * what a torchvision pipeline feeds the model; Adobe JPEGs store CMYK inverted, YCCK as YCbCr of the inverted CMY.
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
        boolean jpeg = Jpeg.isJpeg(bytes);
        if (jpeg && !Jpeg.hasEndMarker(bytes)) {
            throw new BadImageException("truncated JPEG: the file ends without an end-of-image marker after "
                    + bytes.length + " bytes");
        }
        Raster cmyk = null;
        BufferedImage img = null;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadImageException("not a recognised image format (" + bytes.length + " bytes starting "
                        + magic(bytes) + ")");
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (h * w > maxPixels) {
                    throw new BadImageException("image is " + w + "x" + h + " = " + (h * w) + " pixels, over the limit of "
                            + maxPixels + " (raise dataset.max_pixels to accept it)");
                }
                // javax.imageio cannot convert CMYK and YCCK JPEGs (it fails or guesses); read their raw components.
                if (jpeg && Jpeg.components(bytes) == 4) cmyk = reader.readRaster(0, null);
                else img = reader.read(0);
                if (!warnings.isEmpty()) throw new BadImageException("corrupt image data: " + String.join("; ", warnings));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new BadImageException("cannot decode image: " + e.getMessage());
        }
        Decoded d = cmyk != null ? fromCmyk(cmyk, Jpeg.adobeTransform(bytes), channels) : fromImage(img, channels);
        return jpeg ? Orientation.apply(d, Jpeg.exifOrientation(bytes)) : d;
    }

    private static Decoded fromImage(BufferedImage img, int channels) throws BadImageException {
        int h = img.getHeight(), w = img.getWidth(), plane = h * w;
        Raster raster = img.getRaster();
        if (raster.getNumBands() == 0) throw new BadImageException("image has no colour bands");
        int colours = img.getColorModel().getNumColorComponents();
        // Component images (JPEG, 8/16-bit PNG) are read from their samples at full depth; palettes and packed
        // formats through getRGB, which resolves them.
        boolean samples = img.getColorModel() instanceof ComponentColorModel
                && (colours == 1 || img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_RGB);
        float[][] rgb = new float[Math.min(colours, 3)][];
        if (samples) {
            for (int b = 0; b < rgb.length; b++) {
                double max = (1L << img.getColorModel().getComponentSize(b)) - 1;
                float[] v = new float[plane];
                int[] row = new int[w];
                for (int y = 0; y < h; y++) {
                    raster.getSamples(0, y, w, 1, b, row);
                    for (int x = 0; x < w; x++) v[y * w + x] = (float) (row[x] / max);
                }
                rgb[b] = v;
            }
        } else {
            rgb = new float[3][plane];
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    rgb[0][y * w + x] = ((row[x] >> 16) & 0xFF) / 255f;
                    rgb[1][y * w + x] = ((row[x] >> 8) & 0xFF) / 255f;
                    rgb[2][y * w + x] = (row[x] & 0xFF) / 255f;
                }
            }
        }
        return pack(rgb, channels, h, w);
    }

    /** CMYK or YCCK samples (Adobe {@code transform} 2: YCCK; any Adobe marker: inverted storage) to RGB, as PIL. */
    private static Decoded fromCmyk(Raster r, int transform, int channels) throws BadImageException {
        if (r.getNumBands() != 4) throw new BadImageException("unsupported JPEG with " + r.getNumBands() + " components");
        int h = r.getHeight(), w = r.getWidth(), plane = h * w;
        float[][] rgb = new float[3][plane];
        int[] px = new int[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.getPixel(x + r.getMinX(), y + r.getMinY(), px);
                double c = px[0], m = px[1], ye = px[2], k = px[3];
                if (transform == 2) {
                    double luma = px[0], cb = px[1] - 128, cr = px[2] - 128;
                    c = clamp(luma + 1.402 * cr);
                    m = clamp(luma - 0.344136 * cb - 0.714136 * cr);
                    ye = clamp(luma + 1.772 * cb);
                }
                if (transform >= 0) { // Adobe writes 255 − ink
                    c = 255 - c;
                    m = 255 - m;
                    ye = 255 - ye;
                    k = 255 - k;
                }
                int i = y * w + x;
                rgb[0][i] = (float) (Math.round((255 - c) * (255 - k) / 255.0) / 255.0);
                rgb[1][i] = (float) (Math.round((255 - m) * (255 - k) / 255.0) / 255.0);
                rgb[2][i] = (float) (Math.round((255 - ye) * (255 - k) / 255.0) / 255.0);
            }
        }
        return pack(rgb, channels, h, w);
    }

    /** Channel planes (1 gray or 3 RGB) as the wanted channels: gray replicated, or RGB to luma (ITU-R 601). */
    private static Decoded pack(float[][] planes, int channels, int h, int w) {
        int plane = h * w;
        float[] out = new float[channels * plane];
        for (int c = 0; c < channels; c++) {
            float[] src;
            if (planes.length == 1) {
                src = planes[0];
            } else if (channels == 1) {
                src = new float[plane];
                for (int i = 0; i < plane; i++) src[i] = 0.299f * planes[0][i] + 0.587f * planes[1][i] + 0.114f * planes[2][i];
            } else {
                src = planes[c];
            }
            System.arraycopy(src, 0, out, c * plane, plane);
        }
        return new Decoded(out, channels, h, w);
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }

    private static String magic(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(4, b.length); i++) sb.append(String.format("%02x", b[i] & 0xFF));
        return sb.toString();
    }

    /** Encodes a C×H×W [0, 1] image as PNG or JPEG bytes (for fixtures, reports and the demo folder set). */
    public static byte[] encode(float[] px, int c, int h, int w, String format) throws IOException {
        if (c == 1) {
            BufferedImage gray = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) gray.getRaster().setSample(x, y, 0, to8(px[y * w + x]));
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            if (!ImageIO.write(gray, format, out)) throw new IOException("no ImageIO writer for " + format);
            return out.toByteArray();
        }
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
