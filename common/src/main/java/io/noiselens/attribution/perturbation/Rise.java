package io.noiselens.attribution.perturbation;

import io.noiselens.attribution.BaseExplainer;
import io.noiselens.attribution.DrawPoint;
import io.noiselens.attribution.DrawState;
import io.noiselens.attribution.Evaluation;
import io.noiselens.model.ModelSpec;
import io.noiselens.random.KeyedRandom;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RISE (Petsiuk, Das, Saenko, "RISE: Randomized Input Sampling for Explanation of Black-box Models", BMVC 2018) as
 * its reference code builds the masks (METHODS-2.md §A.3): N binary s×s grids with P(1) = p, each upsampled
 * bilinearly to (s + 1)·c with c = ⌈H/s⌉ (scikit-image's resize: half-pixel centres, mirrored borders) and cropped to
 * H×W at a random shift in [0, c) per axis, so masks are continuous in [0, 1]; the saliency is
 * S = (1/(N·p)) Σ_i f(z ⊙ M_i)·M_i, one channel (masks multiply the model-space input, so "off" is the dataset-mean
 * colour). Masks depend on the run seed and the mask index only: every image and draw shares them, as the reference
 * shares its {@code masks.npy}. The score is the output the method explains (softmax probability by default, as in
 * the paper).
 */
public final class Rise implements BaseExplainer {
    private final int masks;
    private final int grid;
    private final double keep;

    public Rise(int masks, int grid, double keep) {
        this.masks = masks;
        this.grid = grid;
        this.keep = keep;
    }

    @Override
    public String name() {
        return "rise";
    }

    @Override
    public Evaluation evaluation(ModelSpec spec) {
        return Evaluation.SCORE;
    }

    @Override
    public int mapChannels(ModelSpec spec) {
        return 1;
    }

    /**
     * The random part of mask i of a run: the s×s cells (1 with probability p) and the shift (rows, columns) of the
     * H×W crop, each in [0, ⌈H/s⌉).
     */
    public record Grid(float[] cells, int dy, int dx) {}

    public Grid grid(long runSeed, int i, int h, int w) {
        long key = KeyedRandom.key(runSeed, KeyedRandom.Purpose.PERTURBATION, KeyedRandom.hash(name()), i);
        float[] cells = new float[grid * grid];
        for (int j = 0; j < cells.length; j++) cells[j] = KeyedRandom.uniform(key, j) < keep ? 1 : 0;
        int ch = (h + grid - 1) / grid, cw = (w + grid - 1) / grid;
        return new Grid(cells, (int) (KeyedRandom.uniform(key, cells.length) * ch),
                (int) (KeyedRandom.uniform(key, cells.length + 1) * cw));
    }

    /** Mask i (H×W, values in [0, 1]) of a run: its grid upsampled to (s + 1)·⌈H/s⌉ and cropped at its shift. */
    public float[] mask(long runSeed, int i, int h, int w) {
        Grid g = grid(runSeed, i, h, w);
        float[] cells = g.cells();
        int dy = g.dy(), dx = g.dx();
        int ch = (h + grid - 1) / grid, cw = (w + grid - 1) / grid;
        int bigH = (grid + 1) * ch, bigW = (grid + 1) * cw;
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            double sy = (y + dy + 0.5) * grid / bigH - 0.5;
            int y0 = (int) Math.floor(sy);
            double fy = sy - y0;
            for (int x = 0; x < w; x++) {
                double sx = (x + dx + 0.5) * grid / bigW - 0.5;
                int x0 = (int) Math.floor(sx);
                double fx = sx - x0;
                double top = cell(cells, y0, x0) * (1 - fx) + cell(cells, y0, x0 + 1) * fx;
                double bottom = cell(cells, y0 + 1, x0) * (1 - fx) + cell(cells, y0 + 1, x0 + 1) * fx;
                out[y * w + x] = (float) (top * (1 - fy) + bottom * fy);
            }
        }
        return out;
    }

    /** A grid cell with scikit-image's 'reflect' border (mirror about the edge cells: −1 → 1, s → s − 2). */
    private float cell(float[] cells, int y, int x) {
        return cells[mirror(y) * grid + mirror(x)];
    }

    private int mirror(int i) {
        if (grid == 1) return 0;
        int period = 2 * (grid - 1);
        i = Math.floorMod(i, period);
        return i < grid ? i : period - i;
    }

    @Override
    public DrawState start(DrawPoint p) {
        int h = p.spec().height(), w = p.spec().width(), plane = h * w;
        return new DrawState() {
            final double[] sum = new double[plane];
            /** Masks of rows written and not yet scored: at most a micro-batch, each made once. */
            final Map<Integer, float[]> pending = new java.util.HashMap<>();

            @Override
            public int rows() {
                return masks;
            }

            @Override
            public void row(int k, float[] out, int offset) {
                float[] m = mask(p.runSeed(), k, h, w), z = p.z();
                pending.put(k, m);
                for (int e = 0; e < z.length; e++) out[offset + e] = z[e] * m[e % plane];
            }

            @Override
            public void accept(int k, float[] values, int offset, int length) {
                float[] m = pending.remove(k);
                double score = values[offset];
                for (int i = 0; i < plane; i++) sum[i] += score * m[i];
            }

            @Override
            public void finish(float[] out) {
                for (int i = 0; i < plane; i++) out[i] = (float) (sum[i] / (masks * keep));
            }
        };
    }

    @Override
    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("masks", masks);
        m.put("grid", grid);
        m.put("keep", keep);
        m.put("shared_masks", true);
        m.put("normalisation", "N*p");
        return m;
    }
}
