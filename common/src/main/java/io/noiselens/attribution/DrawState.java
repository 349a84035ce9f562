package io.noiselens.attribution;

/**
 * One draw of a base explainer in flight: the rows it asks the model to evaluate ({@link BaseExplainer#evaluation}),
 * their results as they arrive (in any order), and the map they make. The engine streams rows through micro-batches,
 * so a state holds only what its map needs (a gradient sum, one score per perturbation), never the rows themselves.
 */
public interface DrawState {
    /** Rows this draw needs evaluated. */
    int rows();

    /** Writes the model input of row {@code k} into {@code out} at {@code offset}. */
    void row(int k, float[] out, int offset);

    /**
     * The evaluation of row {@code k}: {@code values[offset, offset + length)} holds the input gradient, the score
     * (length 1), or the layer's activation followed by its gradient.
     */
    void accept(int k, float[] values, int offset, int length);

    /** The draw's map (C×H×W, or 1×H×W for {@link BaseExplainer#mapChannels} = 1) into {@code out}, after every row arrived. */
    void finish(float[] out);

    /**
     * A draw of one row, the draw's input point {@code z} itself, whose map {@code map} makes from that row's result
     * (a gradient-like vector, or a layer's activation and gradient).
     */
    static DrawState oneRow(float[] z, java.util.function.Function<float[], float[]> map) {
        return new DrawState() {
            float[] result;

            @Override
            public int rows() {
                return 1;
            }

            @Override
            public void row(int k, float[] out, int offset) {
                System.arraycopy(z, 0, out, offset, z.length);
            }

            @Override
            public void accept(int k, float[] values, int offset, int length) {
                result = map.apply(java.util.Arrays.copyOfRange(values, offset, offset + length));
            }

            @Override
            public void finish(float[] out) {
                System.arraycopy(result, 0, out, 0, result.length);
            }
        };
    }
}
