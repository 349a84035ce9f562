package io.noiselens.metrics.complexity;

import io.noiselens.metrics.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.model.ModelSpec;
import io.noiselens.model.Preprocessing;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * AUTVC and Simpson's rule against scikit-image 0.19 / SciPy 1.10 (fixture made by
 * {@code fixtures/reference/autvc_reference.py} from closed-form maps), plus hand-worked cases.
 */
class NoiseLevelTest {
    static JsonNode reference() throws IOException {
        try (InputStream in = NoiseLevelTest.class.getResourceAsStream("/fixtures/reference/autvc_reference.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    /** The fixture's closed-form maps, computed in double like NumPy and stored as float like our heat maps. */
    static float[] heat(int h, int w, String kind) {
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = Math.sin(0.3 * x) * Math.cos(0.2 * y);
                v += kind.equals("smooth") ? -0.25 : 0.5 * (((7 * x + 13 * y) % 11) - 5) / 5.0;
                out[y * w + x] = (float) v;
            }
        }
        return out;
    }

    static MetricValue score(float[] map, int h, int w) {
        ModelSpec spec = new ModelSpec("linear", 1, h, w, 2, Collections.nCopies(2, "k"), Preprocessing.identity(1));
        MetricContext ctx = new MetricContext(spec, null, List.of(new MetricContext.Item("x", new float[h * w], map, null, 0)));
        return new Autvc(1.5, 30).score(ctx, 0);
    }

    @Test
    void multiScaleAtvMatchesScikitImage() throws IOException {
        for (JsonNode c : reference().get("multiscale_atv")) {
            int h = c.get("h").asInt(), w = c.get("w").asInt();
            MetricValue v = score(heat(h, w, c.get("kind").asText()), h, w);
            String label = h + "x" + w + " " + c.get("kind").asText();
            assertEquals(c.get("atv").size(), v.curve().length, label + ": pyramid levels");
            for (int k = 0; k < v.curve().length; k++) {
                assertEquals(c.get("atv").get(k).asDouble(), v.curve()[k], 2e-5, label + " level " + k);
            }
            assertEquals(c.get("autvc").asDouble(), v.value(), 5e-5, label);
        }
    }

    @Test
    void simpsonMatchesScipyForOddAndEvenCounts() throws IOException {
        for (JsonNode c : reference().get("simpson")) {
            double[] y = new double[c.get("y").size()];
            for (int k = 0; k < y.length; k++) y[k] = c.get("y").get(k).asDouble();
            assertEquals(c.get("value").asDouble(), Simpson.integrate(y), 1e-12, c.get("y").toString());
        }
        // Exact for cubics on an odd grid: ∫₀⁴ x³ dx = 64.
        assertEquals(64, Simpson.integrate(new double[]{0, 1, 8, 27, 64}), 1e-12);
    }

    @Test
    void checkerboardAtFullResolutionIsWorkedByHand() {
        int h = 48, w = 48;
        float[] board = new float[h * w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) board[y * w + x] = (x + y) % 2 == 0 ? 2 : -2;
        // |h| is constant 2 at full resolution, so the normalised level is all 0 (the signed map's smoothed
        // pyramid levels are not constant, which is why the pyramid is built before taking |h|).
        assertEquals(0, score(board, h, w).curve()[0], 1e-12);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) board[y * w + x] = (x + y) % 2;
        // 0/1 checkerboard: every horizontal and vertical neighbour pair differs by 1.
        double expected = (h * (w - 1) + (h - 1) * w) / (double) (h * w);
        assertEquals(expected, score(board, h, w).curve()[0], 1e-12);
    }

    @Test
    void aSmoothMapIsLessNoisyThanTheSameMapWithNoise() {
        assertTrue(score(heat(64, 64, "smooth"), 64, 64).value() < score(heat(64, 64, "noisy"), 64, 64).value());
    }

    @Test
    void mapsBelowTheSmallestLevelAreNaNWithAReason() {
        MetricValue v = score(new float[40 * 40], 40, 40);   // levels 40 and 27: one is not an area
        assertTrue(Double.isNaN(v.value()));
        assertTrue(v.nanReason().contains("30 px"), v.nanReason());
    }
}
