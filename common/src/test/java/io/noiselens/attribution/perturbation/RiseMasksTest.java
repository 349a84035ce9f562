package io.noiselens.attribution.perturbation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noiselens.PythonFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * RISE's masks against the reference code's recipe run by scikit-image ({@code src/test/python/rise_masks.py}:
 * {@code resize(order=1, mode='reflect', anti_aliasing=False)} of the same grids, cropped at the same shifts), on a
 * square and a non-square input; and the keep probability as the masks' mean.
 */
class RiseMasksTest {
    @Test
    void masksAreScikitImagesResizeOfTheirGrids(@TempDir Path dir) throws Exception {
        for (int[] c : new int[][]{{7, 40, 40}, {4, 30, 20}}) {
            int s = c[0], h = c[1], w = c[2], n = 12;
            Rise rise = new Rise(n, s, 0.5);
            ObjectMapper json = new ObjectMapper();
            ObjectNode spec = json.createObjectNode().put("s", s).put("h", h).put("w", w);
            ArrayNode grids = spec.putArray("grids");
            for (int i = 0; i < n; i++) {
                Rise.Grid g = rise.grid(3, i, h, w);
                ObjectNode o = grids.addObject().put("dy", g.dy()).put("dx", g.dx());
                ArrayNode cells = o.putArray("cells");
                for (float v : g.cells()) cells.add(v);
            }
            Path run = Files.createDirectories(dir.resolve(s + "x" + h + "x" + w));
            json.writeValue(run.resolve("grids.json").toFile(), spec);
            PythonFixtures.run("rise_masks.py", run, "python3-skimage");
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(run.resolve("masks.f32"))).order(ByteOrder.LITTLE_ENDIAN);
            float[] ref = new float[b.remaining() / 4];
            b.asFloatBuffer().get(ref);
            assertEquals(n * h * w, ref.length);
            for (int i = 0; i < n; i++) {
                float[] m = rise.mask(3, i, h, w);
                for (int e = 0; e < m.length; e++) {
                    assertEquals(ref[i * h * w + e], m[e], 1e-6, "mask " + i + " element " + e + " (" + s + ", " + h + "×" + w + ")");
                }
            }
        }
    }

    @Test
    void theMasksMeanIsTheKeepProbability() {
        for (double p : new double[]{0.1, 0.5}) {
            Rise rise = new Rise(400, 7, p);
            double sum = 0;
            for (int i = 0; i < 400; i++) for (float v : rise.mask(11, i, 32, 32)) sum += v;
            assertEquals(p, sum / (400.0 * 32 * 32), 0.02, "p = " + p);
        }
    }
}
