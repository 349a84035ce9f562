package io.noiselens.data;

import io.noiselens.image.ImageDecoder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SyntheticShapesTest {
    @Test
    void imagesArePureFunctionsOfSeedSplitAndIndex() {
        SyntheticShapes a = new SyntheticShapes(5, 64), b = new SyntheticShapes(5, 64);
        assertArrayEquals(a.image("eval", 17).pixels(), b.image("eval", 17).pixels());
        assertArrayEquals(a.image("eval", 17).mask(), b.image("eval", 17).mask());
        assertFalse(java.util.Arrays.equals(a.image("eval", 17).pixels(), a.image("train", 17).pixels()));
        assertFalse(java.util.Arrays.equals(a.image("eval", 17).pixels(), new SyntheticShapes(6, 64).image("eval", 17).pixels()));
    }

    @Test
    void everyImageHasItsClassAValidRangeAndAnObjectMaskThatDiffersFromTheBackground() {
        SyntheticShapes s = new SyntheticShapes(1, 64);
        int[] perClass = new int[SyntheticShapes.CLASSES.size()];
        for (int i = 0; i < 200; i++) {
            LabeledImage img = s.image("eval", i);
            perClass[img.label()]++;
            assertEquals(64, img.height());
            int on = 0;
            for (boolean m : img.mask()) if (m) on++;
            double frac = on / (64.0 * 64);
            assertTrue(frac > 0.02 && frac < 0.5, "object covers " + frac + " of image " + i);
            for (float v : img.pixels()) assertTrue(v >= 0 && v <= 1);
        }
        for (int c : perClass) assertEquals(40, c);
    }

    @Test
    void shapesDifferInTheirMasks() {
        // A centred unit shape: disk ⊃ ring, the square's corners are outside the disk, the cross's centre is set.
        assertTrue(SyntheticShapes.inside(0, 0, 0));
        assertFalse(SyntheticShapes.inside(3, 0, 0));
        assertTrue(SyntheticShapes.inside(1, 0.79, 0.79));
        assertFalse(SyntheticShapes.inside(0, 0.79, 0.79));
        assertTrue(SyntheticShapes.inside(4, 0, 0.9));
        assertFalse(SyntheticShapes.inside(4, 0.6, 0.6));
        assertTrue(SyntheticShapes.inside(2, 0, 0.5));
        assertFalse(SyntheticShapes.inside(2, 0.5, -0.5));
    }

    @Test
    void pngRoundTripKeepsPixelsWithinQuantisation() throws Exception {
        LabeledImage img = new SyntheticShapes(2, 64).image("eval", 3);
        byte[] png = ImageDecoder.encode(img.pixels(), 3, 64, 64, "png");
        ImageDecoder.Decoded d = ImageDecoder.decode(png, 3, 1_000_000);
        for (int i = 0; i < d.pixels().length; i++) assertEquals(img.pixels()[i], d.pixels()[i], 0.5 / 255 + 1e-6);
        assertThrows(ImageDecoder.BadImageException.class, () -> ImageDecoder.decode(png, 3, 100));
        assertThrows(ImageDecoder.BadImageException.class, () -> ImageDecoder.decode(new byte[0], 3, 100));
    }
}
