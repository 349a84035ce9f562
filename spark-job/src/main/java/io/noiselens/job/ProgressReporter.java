package io.noiselens.job;

import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple4;
import scala.collection.JavaConverters;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Logs progress while the job runs: images done, share of the total, rate and time left. Running tasks report
 * their images-done accumulator in executor heartbeats, finished tasks at their end, so the count moves during
 * long tasks too.
 */
public final class ProgressReporter extends SparkListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);

    private final long accumulatorId;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final Map<Long, Long> perTask = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    public ProgressReporter(LongAccumulator imagesDone, long total, long periodSeconds) {
        this.accumulatorId = imagesDone.id();
        this.total = total;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "noiselens-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::log, periodSeconds, periodSeconds, TimeUnit.SECONDS);
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (Tuple4<Object, Object, Object, scala.collection.Seq<AccumulableInfo>> u
                : JavaConverters.seqAsJavaList(update.accumUpdates())) {
            record((Long) u._1(), u._4());
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskInfo() != null) record(end.taskInfo().taskId(), end.taskInfo().accumulables());
    }

    private void record(long taskId, scala.collection.Seq<AccumulableInfo> infos) {
        for (AccumulableInfo info : JavaConverters.seqAsJavaList(infos)) {
            if (info.id() == accumulatorId && info.update().isDefined()) {
                Object v = info.update().get();
                if (v instanceof Number n) perTask.merge(taskId, n.longValue(), Math::max);
            }
        }
    }

    /** Images done so far (running and finished tasks). */
    public long done() {
        return perTask.values().stream().mapToLong(Long::longValue).sum();
    }

    private void log() {
        long done = Math.min(done(), total);
        double secs = (System.nanoTime() - startNanos) / 1e9;
        double rate = done / Math.max(secs, 1e-9);
        String left = rate > 0 ? String.format("%.0f s left", (total - done) / rate) : "time left unknown";
        LOG.info(String.format("Progress: %d/%d images (%.0f%%), %.1f images/s, %s%s", done, total,
                100.0 * done / Math.max(total, 1), rate, left, residentMemory()));
    }

    /**
     * This JVM's resident memory now and at its peak (Linux), e.g. {@code ", resident memory 2.1 GB (peak 2.3 GB)"}:
     * in local mode the driver is the executor, so a long run shows whether memory stays flat as images go by.
     */
    static String residentMemory() {
        try {
            long rss = -1, peak = -1;
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) rss = kilobytes(line);
                if (line.startsWith("VmHWM:")) peak = kilobytes(line);
            }
            return rss < 0 ? "" : String.format(", resident memory %.2f GB (peak %.2f GB)", rss / 1e6, peak / 1e6);
        } catch (java.io.IOException | RuntimeException e) {
            return "";
        }
    }

    private static long kilobytes(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
