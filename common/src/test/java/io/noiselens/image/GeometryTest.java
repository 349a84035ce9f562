package io.noiselens.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.PythonFixtures;
import io.noiselens.data.BoundingBox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Resize and centre crop against torchvision's {@code Resize(shorter)} + {@code CenterCrop} (and PIL's BILINEAR
 * resize) computed on float PIL images by {@code image_fixtures.py}; box masks by hand.
 */
class GeometryTest {
    static final Path FIXTURES = ImageDecoderTest.FIXTURES;

    @BeforeAll
    static void writeFixtures() throws IOException, InterruptedException {
        PythonFixtures.generate(PythonFixtures.script("image_fixtures.py"), FIXTURES, List.of("index.json", "preprocess.json"), List.of());
    }

    static float[] floats(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    @Test
    void resizeAndCropMatchTorchvision() throws IOException {
        JsonNode cfg = new ObjectMapper().readTree(FIXTURES.resolve("preprocess.json").toFile());
        float[] src = floats(FIXTURES.resolve("source.f32"));
        int h = cfg.get("source").get(1).asInt(), w = cfg.get("source").get(2).asInt();
        JsonNode cases = cfg.get("cases");
        for (int i = 0; i < cases.size(); i++) {
            int shorter = cases.get(i).get(0).asInt(), ch = cases.get(i).get(1).asInt(), cw = cases.get(i).get(2).asInt();
            float[] ref = floats(FIXTURES.resolve("case" + i + ".f32"));
            float[] out = Geometry.of(h, w, shorter, ch, cw).apply(src, 3);
            assertEquals(ref.length, out.length, "case " + i + " size");
            double max = 0;
            for (int k = 0; k < ref.length; k++) max = Math.max(max, Math.abs(out[k] - ref[k]));
            System.out.printf("preprocess shorter=%d crop=%dx%d  max |Δ| %.2e%n", shorter, ch, cw, max);
            assertTrue(max < 2e-6, "case " + i + ": max difference " + max);
        }
    }

    @Test
    void geometryFollowsTorchvisionsArithmetic() {
        Geometry g = Geometry.of(375, 500, 256, 224, 224); // ImageNet val 00000001
        assertEquals(256, g.resizedH());
        assertEquals(341, g.resizedW()); // int(256 · 500 / 375)
        assertEquals(16, g.top());
        assertEquals(58, g.left()); // round(58.5) = 58, half-even like Python
        Geometry tall = Geometry.of(500, 333, 256, 224, 224);
        assertEquals(384, tall.resizedH());
        assertEquals(256, tall.resizedW());
        assertEquals(80, tall.top());
        assertEquals(16, tall.left());
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(100, 100, 200, 224, 224));
    }

    @Test
    void boxesBecomeMasksWhereTheModelSeesThem() {
        // A 20×10 image (w × h) resized shorter side 10 → 20×10, centre-cropped to 10×10: columns 5..14 survive.
        Geometry g = Geometry.of(10, 20, 10, 10, 10);
        assertEquals(5, g.left());
        // VOC box of columns 7..9 (1-based) and rows 1..2: source x in [6, 9), y in [0, 2).
        boolean[] m = g.mask(List.of(BoundingBox.voc("n0", 7, 1, 9, 2)));
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 10; x++) {
                int sx = x + 5;
                assertEquals(y < 2 && sx >= 6 && sx < 9, m[y * 10 + x], "pixel " + x + "," + y);
            }
        }
        // Downscaled 2×: a box over source columns [0, 4) covers output columns 0 and 1.
        boolean[] half = Geometry.of(8, 8, 0, 4, 4).mask(List.of(new BoundingBox("a", 0, 0, 4, 8)));
        for (int i = 0; i < 16; i++) assertEquals(i % 4 < 2, half[i]);
    }

    @Test
    void annotationsAreReadFromVocXmlAndPredictionStrings() {
        String xml = "<annotation><size><width>500</width><height>375</height></size>"
                + "<object><name>n01751748</name><bndbox><xmin>111</xmin><ymin>108</ymin><xmax>500</xmax><ymax>375</ymax></bndbox></object>"
                + "<object><name>n01751748</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox></object>"
                + "</annotation>";
        List<BoundingBox> boxes = BoundingBox.parseVocXml(xml.getBytes(), "val_1.xml");
        assertEquals(List.of(new BoundingBox("n01751748", 110, 107, 500, 375), new BoundingBox("n01751748", 0, 1, 30, 40)), boxes);
        String ps = BoundingBox.toPredictionString(boxes);
        assertEquals("n01751748 111 108 500 375 n01751748 1 2 30 40", ps);
        assertEquals(boxes, BoundingBox.parsePredictionString(ps, "LOC_val_solution.csv"));
        assertTrue(assertThrows(RuntimeException.class, () -> BoundingBox.parsePredictionString("n0 1 2 3", "f.csv"))
                .getMessage().contains("5 fields"));
        assertTrue(assertThrows(RuntimeException.class, () -> BoundingBox.parseVocXml("<annotation><object>".getBytes(), "bad.xml"))
                .getMessage().contains("bad.xml"));
    }
}
