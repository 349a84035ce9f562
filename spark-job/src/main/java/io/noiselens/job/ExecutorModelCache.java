package io.noiselens.job;

import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelLoader;
import io.noiselens.model.Backend;
import io.noiselens.model.ClassifierModel;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The model on an executor: the broadcast bytes are parsed once per JVM (per model hash), and each task thread
 * builds its own SameDiff graph once (graphs are not thread-safe) and reuses it for every later partition.
 */
public final class ExecutorModelCache {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModelCache.class);
    private static final Map<String, ModelFile.Loaded> LOADED = new ConcurrentHashMap<>();
    private static final ThreadLocal<Map<String, ClassifierModel>> GRAPHS = ThreadLocal.withInitial(HashMap::new);
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static volatile int nativeThreads = -1;
    private static volatile int torchThreads = -1;
    private static volatile boolean torchPlaced;

    private ExecutorModelCache() {}

    /** The parsed model for these broadcast bytes, parsed at most once in this JVM. */
    public static ModelFile.Loaded loaded(ModelBroadcast model) {
        return LOADED.computeIfAbsent(model.sha256(), h -> {
            LOADS.incrementAndGet();
            long t = System.nanoTime();
            ModelFile.Loaded l = ModelLoader.fromBytes(model.bytes(), Path.of(model.origin()), model.onnx());
            LOG.info("Loaded model {} ({}) on this executor in {} ms", l.spec().architecture(), h.substring(0, 12),
                    (System.nanoTime() - t) / 1_000_000);
            return l;
        });
    }

    /** This thread's classifier for the model on {@code backend}. */
    public static ClassifierModel classifier(ModelBroadcast model, Backend backend) {
        ModelFile.Loaded l = loaded(model);
        return GRAPHS.get().computeIfAbsent(model.sha256() + "/" + backend, h -> backend.create(l.spec(), l.weights()));
    }

    /** How many times model bytes were parsed in this JVM (once per distinct model). */
    public static int loads() {
        return LOADS.get();
    }

    /**
     * Sets the engine's native threads per task once per JVM (oversubscribing cores slows everything down): ND4J's
     * pools, and torch's intra-op pool when the run uses the torch engine (touching torch loads libtorch, so an ND4J
     * run never does). A torch run also places the engine once per JVM: on the executor's GPU
     * ({@link NoiseLensPlugin#assignment()}) when libtorch has CUDA, else on the CPU, with one log line.
     */
    public static void configureThreads(int threads, Backend backend) {
        if (threads > 0 && nativeThreads != threads) {
            synchronized (ExecutorModelCache.class) {
                if (nativeThreads != threads) {
                    Nd4j.getEnvironment().setMaxThreads(threads);
                    Nd4j.getEnvironment().setMaxMasterThreads(threads);
                    nativeThreads = threads;
                    LOG.info("ND4J native threads per task: {}", threads);
                }
            }
        }
        if (backend == Backend.TORCH && !torchPlaced) {
            synchronized (ExecutorModelCache.class) {
                if (!torchPlaced) {
                    GpuAssignment a = NoiseLensPlugin.assignment();
                    LOG.info(io.noiselens.model.torch.Torch.place(a == null ? -1 : a.ordinal()));
                    torchPlaced = true;
                }
            }
        }
        if (threads > 0 && backend == Backend.TORCH && torchThreads != threads) {
            synchronized (ExecutorModelCache.class) {
                io.noiselens.model.torch.Torch.threads(threads);
                torchThreads = threads;
                LOG.info("Torch intra-op threads per task: {}", threads);
            }
        }
    }
}
