package io.noiselens.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.PythonFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The decoder against PIL (what torchvision pipelines decode with) on files PIL wrote: CMYK JPEG, EXIF orientations,
 * progressive and grayscale JPEG, a PNG named .JPEG, palette and gray+alpha PNG ({@code image_fixtures.py}); and on
 * hand-worked cases: YCCK and 16-bit images of known values, truncated, corrupt, empty and oversized files.
 */
class ImageDecoderTest {
    static final Path FIXTURES = Path.of("target", "image-fixtures");

    @BeforeAll
    static void writeFixtures() throws IOException, InterruptedException {
        PythonFixtures.generate(PythonFixtures.script("image_fixtures.py"), FIXTURES, List.of("index.json"), List.of());
    }

    @Test
    void decodesLikePil() throws Exception {
        JsonNode index = new ObjectMapper().readTree(FIXTURES.resolve("index.json").toFile());
        for (JsonNode e : index) {
            String name = e.get(0).asText();
            int h = e.get(1).asInt(), w = e.get(2).asInt();
            byte[] ref = Files.readAllBytes(FIXTURES.resolve(name + ".rgb"));
            ImageDecoder.Decoded d = ImageDecoder.decode(Files.readAllBytes(FIXTURES.resolve(name)), 3, 1_000_000);
            assertEquals(h, d.height(), name + " height (after EXIF orientation)");
            assertEquals(w, d.width(), name + " width");
            double sum = 0, max = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        double diff = Math.abs(d.pixels()[c * h * w + y * w + x] * 255 - (ref[(y * w + x) * 3 + c] & 0xFF));
                        sum += diff;
                        max = Math.max(max, diff);
                    }
                }
            }
            double mean = sum / (3.0 * h * w);
            System.out.printf("decode %-16s %dx%d  mean |Δ| %.3f  max |Δ| %.1f (levels of 255)%n", name, w, h, mean, max);
            boolean lossless = name.endsWith(".png") || name.endsWith(".JPEG");
            // JPEG: javax.imageio's libjpeg 6b and PIL's libjpeg-turbo differ in IDCT and chroma upsampling rounding.
            assertTrue(lossless ? max < 0.51 : mean < 1.5 && max <= 8, name + ": mean " + mean + ", max " + max);
        }
    }

    /**
     * Flat CMYK images of known ink in the three encodings: plain CMYK (no Adobe marker), Adobe CMYK (stored as
     * 255 − ink) and Adobe YCCK (YCbCr of the inverted CMY, JFIF's full-range transform computed here), each
     * written by javax.imageio as raw components, the Adobe marker inserted by hand. Expected: PIL's formula.
     */
    @Test
    void cmykAndYcckOfKnownInkBecomePilsRgb() throws Exception {
        int c = 40, m = 100, yel = 180, k = 30;
        int[] expected = {rgb(c, k), rgb(m, k), rgb(yel, k)};
        int ic = 255 - c, im = 255 - m, iy = 255 - yel;
        int luma = (int) Math.round(0.299 * ic + 0.587 * im + 0.114 * iy);
        int cb = (int) Math.round(128 - 0.168736 * ic - 0.331264 * im + 0.5 * iy);
        int cr = (int) Math.round(128 + 0.5 * ic - 0.418688 * im - 0.081312 * iy);
        int[][] stored = {{c, m, yel, k}, {ic, im, iy, 255 - k}, {luma, cb, cr, 255 - k}};
        int[] transforms = {-1, 0, 2};
        for (int t = 0; t < 3; t++) {
            byte[] jpeg = rawJpeg(stored[t]);
            if (transforms[t] >= 0) jpeg = withAdobeMarker(jpeg, transforms[t]);
            assertEquals(transforms[t], Jpeg.adobeTransform(jpeg));
            ImageDecoder.Decoded d = ImageDecoder.decode(jpeg, 3, 1000);
            for (int ch = 0; ch < 3; ch++) {
                assertEquals(expected[ch], d.pixels()[ch * 256 + 8 * 16 + 8] * 255, 2.0,
                        "channel " + ch + " with Adobe transform " + transforms[t]);
            }
        }
    }

    private static int rgb(int ink, int k) {
        return (int) Math.round((255 - ink) * (255 - k) / 255.0);
    }

    /** A 16×16 four-component JPEG of one value per component, no colour transform (javax.imageio's raw path). */
    private static byte[] rawJpeg(int[] value) throws IOException {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) r.setPixel(x, y, value);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            var p = writer.getDefaultWriteParam();
            p.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(1f);
            writer.write(null, new IIOImage(r, null, null), p);
        }
        return out.toByteArray();
    }

    /** Inserts an Adobe APP14 segment (Adobe TN 5116: "Adobe", version 100, flags, transform) after SOI. */
    private static byte[] withAdobeMarker(byte[] jpeg, int transform) {
        byte[] app14 = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        byte[] out = new byte[jpeg.length + app14.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(app14, 0, out, 2, app14.length);
        System.arraycopy(jpeg, 2, out, 2 + app14.length, jpeg.length - 2);
        return out;
    }

    @Test
    void sixteenBitPngsKeepTheirDepth() throws Exception {
        BufferedImage gray = new BufferedImage(5, 3, BufferedImage.TYPE_USHORT_GRAY);
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[]{16, 16, 16},
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        BufferedImage rgb = new BufferedImage(cm, cm.createCompatibleWritableRaster(5, 3), false, null);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                gray.getRaster().setSample(x, y, 0, 1000 * (y * 5 + x) + 7);
                for (int b = 0; b < 3; b++) rgb.getRaster().setSample(x, y, b, 4001 * (y * 5 + x) + 13 * b + 1);
            }
        }
        ImageDecoder.Decoded g = ImageDecoder.decode(png(gray), 3, 100);
        ImageDecoder.Decoded c = ImageDecoder.decode(png(rgb), 3, 100);
        for (int i = 0; i < 15; i++) {
            for (int b = 0; b < 3; b++) {
                assertEquals((1000 * i + 7) / 65535.0, g.pixels()[b * 15 + i], 1e-7, "gray replicated, 16-bit");
                assertEquals((4001 * i + 13 * b + 1) / 65535.0, c.pixels()[b * 15 + i], 1e-7, "RGB, 16-bit");
            }
        }
    }

    @Test
    void badFilesAreRefusedWithTheirReason() throws Exception {
        byte[] jpeg = Files.readAllBytes(FIXTURES.resolve("progressive.jpg"));
        assertReason(Arrays.copyOf(jpeg, jpeg.length * 3 / 5), "truncated");
        byte[] base = Files.readAllBytes(FIXTURES.resolve("gray.jpg"));
        assertReason(Arrays.copyOf(base, base.length - 2), "truncated");
        assertReason(new byte[0], "empty");
        assertReason("this is a text file, not an image".getBytes(), "not a recognised image format");
        byte[] png = Files.readAllBytes(FIXTURES.resolve("palette.png"));
        assertReason(Arrays.copyOf(png, png.length / 2), "cannot decode");
        assertReason(jpeg, 100, "over the limit of 100");
        ImageDecoder.decode(jpeg, 3, 56 * 40);
    }

    private static void assertReason(byte[] bytes, String reason) {
        assertReason(bytes, 100_000, reason);
    }

    private static void assertReason(byte[] bytes, long maxPixels, String reason) {
        String m = assertThrows(ImageDecoder.BadImageException.class, () -> ImageDecoder.decode(bytes, 3, maxPixels))
                .getMessage();
        assertTrue(m.contains(reason), m);
    }

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "png", out));
        return out.toByteArray();
    }
}
