package io.noiselens.attribution;

/**
 * Engine settings: the run seed every random stream derives from, the largest micro-batch (rows per
 * gradient call), and the memory budget for one micro-batch's activations, which caps it further.
 */
public record EngineOptions(long runSeed, int maxMicroBatch, long memoryBudgetBytes) {
    public EngineOptions {
        if (maxMicroBatch < 1) throw new IllegalArgumentException("maxMicroBatch must be ≥ 1, got " + maxMicroBatch);
        if (memoryBudgetBytes < 1) throw new IllegalArgumentException("memory budget must be > 0");
    }

    public static EngineOptions defaults(long runSeed) {
        return new EngineOptions(runSeed, 64, 1L << 30);
    }
}
