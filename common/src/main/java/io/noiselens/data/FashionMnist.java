package io.noiselens.data;

import io.noiselens.lang.Errors;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017: 60 000 training and 10 000 test 28×28 grayscale images of ten clothing
 * classes), read from its IDX files as Debian's {@code dataset-fashion-mnist} package installs them
 * ({@code /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz}). IDX: a big-endian
 * magic number (0x0803 for unsigned-byte images of 3 dimensions, 0x0801 for labels), the dimensions, then the bytes.
 */
public final class FashionMnist {
    public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
    public static final List<String> CLASSES = List.of("t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal",
            "shirt", "sneaker", "bag", "ankle boot");
    public static final int SIZE = 28;

    private FashionMnist() {}

    /** The split ({@code train} or {@code t10k}) as labelled 1×28×28 images in [0, 1], ids {@code <split>-<index>}. */
    public static List<LabeledImage> load(Path dir, String split) {
        byte[][] images = idx(dir.resolve(split + "-images-idx3-ubyte.gz"), 0x0803);
        byte[][] labels = idx(dir.resolve(split + "-labels-idx1-ubyte.gz"), 0x0801);
        if (images.length != labels.length) {
            throw Errors.badDataset(dir.toString(), images.length + " images but " + labels.length + " labels in split "
                    + split, "Reinstall the dataset-fashion-mnist package or point dataset.fashion_mnist.path at intact files.");
        }
        List<LabeledImage> out = new ArrayList<>(images.length);
        for (int i = 0; i < images.length; i++) {
            if (images[i].length != SIZE * SIZE) {
                throw Errors.badDataset(dir.toString(), "images are not 28x28", "Use the Fashion-MNIST IDX files.");
            }
            float[] px = new float[SIZE * SIZE];
            for (int p = 0; p < px.length; p++) px[p] = (images[i][p] & 0xFF) / 255f;
            out.add(new LabeledImage(split + "-" + i, labels[i][0], px, 1, SIZE, SIZE, null));
        }
        return out;
    }

    /** The records of an IDX file: one byte array per entry of the first dimension. */
    static byte[][] idx(Path file, int magic) {
        if (!Files.isRegularFile(file)) {
            throw Errors.badDataset(file.toString(), "no such file", "Install Debian's dataset-fashion-mnist package "
                    + "(apt-get install dataset-fashion-mnist) or set dataset.fashion_mnist.path to its directory.");
        }
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
            int m = in.readInt();
            if (m != magic) {
                throw Errors.badDataset(file.toString(), String.format("magic number 0x%08x, expected 0x%08x", m, magic),
                        "Point dataset.fashion_mnist.path at the Fashion-MNIST IDX files.");
            }
            int dims = m & 0xFF;
            int n = in.readInt();
            int record = 1;
            for (int d = 1; d < dims; d++) record *= in.readInt();
            byte[][] out = new byte[n][record];
            for (int i = 0; i < n; i++) in.readFully(out[i]);
            return out;
        } catch (IOException e) {
            throw Errors.badDataset(file.toString(), "it cannot be read (" + e.getMessage() + ")",
                    "Reinstall the dataset-fashion-mnist package.");
        }
    }
}
