package io.noiselens.job;

import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The executor side of NoiseLens ({@code spark.plugins=io.noiselens.job.NoiseLensPlugin}): before any task, pins
 * ND4J to the executor's GPU ({@link GpuAssignment}) or says in one log line that it computes on the CPU; pins every
 * task thread to the same device when it starts (the torch engine reads the same assignment when a torch run first
 * makes a model: {@link ExecutorModelCache#configureThreads}); and pre-loads the run's models in the background, so the first task
 * does not pay for parsing them. Models are asked of the driver, which answers once the job has resolved them
 * ({@link #offer}); the bytes travel as before, in the broadcast, and only their parsed form is made early.
 */
public final class NoiseLensPlugin implements SparkPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(NoiseLensPlugin.class);
    /** What the driver offers executors to pre-load: the job's model broadcasts (small handles, not the bytes). */
    private static volatile CompletableFuture<List<Broadcast<ModelBroadcast>>> offered = new CompletableFuture<>();
    private static volatile GpuAssignment assignment;
    private static volatile int preloaded;

    /** Called by the job once its models are resolved: executors waiting to pre-load them get them now. */
    static void offer(List<Broadcast<ModelBroadcast>> models) {
        offered.complete(models);
    }

    /** Called by the job when it ends: the driver lets go of the run's models (executors asking later get none). */
    static void withdraw() {
        offered = new CompletableFuture<>();
    }

    /** This JVM's executor assignment (null before the plugin ran). */
    static GpuAssignment assignment() {
        return assignment;
    }

    /** Models this JVM's plugin made ready: parsed ahead of the tasks, or found parsed by a task that came first. */
    static int preloaded() {
        return preloaded;
    }

    static final String ASK_MODELS = "noiselens:models";

    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            @Override
            public Map<String, String> init(SparkContext sc, PluginContext ctx) {
                offered = new CompletableFuture<>();
                return Map.of();
            }

            /** The models once the job has resolved them, else null (never blocks the driver's RPC threads). */
            @Override
            public Object receive(Object message) {
                return ASK_MODELS.equals(message) ? offered.getNow(null) : null;
            }
        };
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {
                GpuAssignment a = GpuAssignment.of(ctx.resources(), System.getenv("CUDA_VISIBLE_DEVICES"));
                assignment = a;
                if (a.gpu() && Nd4j.getEnvironment().isCPU()) {
                    LOG.info("{}, but this build has ND4J's CPU backend: the ND4J engine computes on the CPU (build "
                            + "with -Pcuda; the torch engine, -Ptorch-gpu, places itself when a run uses it)", a.message());
                } else {
                    LOG.info(a.message());
                    pin();
                }
                Thread t = new Thread(() -> preload(ctx), "noiselens-model-preload");
                t.setDaemon(true);
                t.start();
            }

            @Override
            public void onTaskStart() {
                pin();
            }
        };
    }

    private static void pin() {
        GpuAssignment a = assignment;
        if (a != null && a.gpu() && !Nd4j.getEnvironment().isCPU()) Nd4j.getAffinityManager().unsafeSetDevice(a.ordinal());
    }

    /** Asks the driver every 2 s (up to 30 minutes) for the run's models, then parses them into the cache. */
    @SuppressWarnings("unchecked")
    private static void preload(PluginContext ctx) {
        try {
            List<Broadcast<ModelBroadcast>> models = null;
            for (long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(30); models == null && System.nanoTime() < end; ) {
                models = (List<Broadcast<ModelBroadcast>>) ctx.ask(ASK_MODELS);
                if (models == null) Thread.sleep(2000);
            }
            if (models == null) return;
            for (Broadcast<ModelBroadcast> b : models) {
                long t = System.nanoTime();
                ModelBroadcast m = b.value();
                ExecutorModelCache.loaded(m);
                preloaded++;
                LOG.info("Pre-loaded model {} in {} ms", m.origin(), (System.nanoTime() - t) / 1_000_000);
            }
        } catch (Exception e) {
            LOG.info("Models not pre-loaded ({}); the first task loads them", e.toString());
        }
    }
}
