package io.noiselens.attribution.perturbation;

import io.noiselens.model.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How an image is cut into the interpretable features of KernelSHAP and LIME: a {@code grid}×{@code grid} block grid,
 * or {@link Slic} superpixels of the draw's input ({@code slicSegments} requested, compactness {@code compactness}).
 */
public record Segmentation(Kind kind, int grid, int slicSegments, double compactness) implements java.io.Serializable {
    public enum Kind { GRID, SLIC }

    /** skimage's SLIC iterations. */
    static final int SLIC_ITERATIONS = 10;

    public Segments of(float[] z, ModelSpec spec) {
        return kind == Kind.GRID ? Segments.grid(grid, spec.height(), spec.width())
                : Slic.segment(z, spec.channels(), spec.height(), spec.width(), spec.preprocessing(), slicSegments,
                compactness, SLIC_ITERATIONS);
    }

    public Map<String, Object> params() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("segmentation", kind.name().toLowerCase(Locale.ROOT));
        if (kind == Kind.GRID) {
            m.put("grid", grid);
        } else {
            m.put("slic_segments", slicSegments);
            m.put("slic_compactness", compactness);
            m.put("slic_iterations", SLIC_ITERATIONS);
        }
        return m;
    }
}
