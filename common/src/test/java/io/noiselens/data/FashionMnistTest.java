package io.noiselens.data;

import io.noiselens.lang.NoiseLensException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The IDX reader on Debian's Fashion-MNIST files (facts of the published dataset: 60 000 / 10 000 images, 6 000 /
 * 1 000 per class, the first labels 9 0 0 3 0 and 9 2 1 1 6, the first training image's pixel sum 76 247, the
 * mean pixel 0.28604; numbers computed with numpy from the same files) and on a hand-written bad file.
 */
class FashionMnistTest {
    static final Path DIR = Path.of(FashionMnist.DEFAULT_DIR);

    @Test
    void readsTheDebianPackagesFiles() {
        List<LabeledImage> train = FashionMnist.load(DIR, "train");
        List<LabeledImage> test = FashionMnist.load(DIR, "t10k");
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        int[] perClass = new int[10];
        for (LabeledImage i : test) perClass[i.label()]++;
        for (int c : perClass) assertEquals(1000, c);
        assertArrayEquals(new int[]{9, 0, 0, 3, 0}, train.subList(0, 5).stream().mapToInt(LabeledImage::label).toArray());
        assertArrayEquals(new int[]{9, 2, 1, 1, 6}, test.subList(0, 5).stream().mapToInt(LabeledImage::label).toArray());
        double sum = 0, all = 0;
        for (float v : train.get(0).pixels()) sum += v * 255;
        assertEquals(76_247, sum, 1e-2);
        for (LabeledImage i : train) for (float v : i.pixels()) all += v;
        assertEquals(0.2860406, all / (60_000.0 * 784), 1e-6);
        assertEquals("ankle boot", FashionMnist.CLASSES.get(test.get(0).label()));
        assertEquals("t10k-3", test.get(3).id());
    }

    @Test
    void aFileWithTheWrongMagicNumberIsNamed(@TempDir Path dir) throws Exception {
        for (String name : List.of("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
            try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(dir.resolve(name))))) {
                out.writeInt(0x0802);
                out.writeInt(0);
            }
        }
        String m = assertThrows(NoiseLensException.class, () -> FashionMnist.load(dir, "t10k")).getMessage();
        assertTrue(m.contains("t10k-images-idx3-ubyte.gz") && m.contains("0x00000802"), m);
        m = assertThrows(NoiseLensException.class, () -> FashionMnist.load(dir, "train")).getMessage();
        assertTrue(m.contains("dataset-fashion-mnist"), m);
    }
}
