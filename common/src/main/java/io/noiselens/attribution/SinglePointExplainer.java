package io.noiselens.attribution;

import java.util.Map;

/** A base explainer that needs the gradient at the input point only (one evaluation per draw, no parameters). */
abstract class SinglePointExplainer extends PathExplainer {
    @Override
    public final int points() {
        return 1;
    }

    @Override
    public final void point(float[] z, float[] baseline, int k, float[] out, int offset) {
        System.arraycopy(z, 0, out, offset, z.length);
    }

    @Override
    public final double weight(int k) {
        return 1;
    }

    @Override
    public Map<String, Object> params() {
        return Map.of();
    }
}
