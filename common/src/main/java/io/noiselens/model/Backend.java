package io.noiselens.model;

/**
 * The engine a classifier runs on ({@code engine.backend}): ND4J/SameDiff (the default; CPU, and ND4J's CUDA build
 * for GPUs before Hopper) or libtorch 2.10 through JavaCPP (CPU here; its CUDA build for current GPUs). Both run
 * the same architectures from the same {@link ModelWeights} ({@link Layers} is engine-neutral).
 */
public enum Backend {
    ND4J, TORCH;

    /** A classifier of {@code spec} with {@code weights} on this engine; the caller closes it. */
    public ClassifierModel create(ModelSpec spec, ModelWeights weights) {
        return this == ND4J ? SameDiffClassifier.create(spec, weights)
                : new io.noiselens.model.torch.TorchClassifier(spec, weights);
    }

    /** The configuration's name of this engine. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The engine named {@code key} (nd4j or torch). */
    public static Backend of(String key) {
        return valueOf(key.toUpperCase(java.util.Locale.ROOT));
    }
}
