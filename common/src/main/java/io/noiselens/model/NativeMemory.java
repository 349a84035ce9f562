package io.noiselens.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps the native memory that waits for the garbage collector within an allowance. Some buffers SameDiff allocates
 * inside a call (in the backward pass of a mixed-output gradient call, for instance) are neither returned to the
 * session's cache nor freed: only a collection of their small Java wrappers frees them, and a large heap with little
 * garbage may not collect for minutes. RelEx's defaults on 16 demo images grew to 12 GB resident that way (JVM-tracked
 * memory 0.35 GB; a {@code System.gc()} every 50 of its iterations held the same work at 1.1–1.9 GB). So after model
 * calls (at most once a second) this compares the process's resident memory outside the committed Java heap with its
 * level after the last collection, and collects when it has grown by more than the allowance.
 */
public final class NativeMemory {
    private static final Path STATM = Path.of("/proc/self/statm");
    private static final long PAGE = 4096;
    private static volatile long allowance = 1L << 30;
    private static long baseline = -1;
    private static long lastCheck;
    private static long collections;
    private static boolean trimPending;

    private NativeMemory() {}

    /** How far native memory may grow past its level after the last collection before another is forced. */
    public static void setAllowance(long bytes) {
        allowance = Math.max(64L << 20, bytes);
    }

    /** Collections forced so far (for logs and tests). */
    public static synchronized long collections() {
        return collections;
    }

    /** Called after model calls: collects when native memory has outgrown the allowance (Linux; a no-op elsewhere). */
    public static void check() {
        long now = System.nanoTime();
        synchronized (NativeMemory.class) {
            if (now - lastCheck < 1_000_000_000L) return;
            lastCheck = now;
        }
        boolean trim;
        synchronized (NativeMemory.class) {
            trim = trimPending;
            trimPending = false;
        }
        // The buffers a collection released were freed by their deallocators since the last check; hand the freed
        // pages back to the system, which glibc's arenas otherwise keep.
        if (trim) trimMalloc();
        long outside = outsideHeap();
        if (outside < 0) return;
        synchronized (NativeMemory.class) {
            if (baseline < 0 || outside < baseline) {
                baseline = outside;
                return;
            }
            if (outside - baseline <= allowance) return;
            collections++;
            baseline = -1; // re-measured at the next check, once the freed buffers' deallocators have run
            trimPending = true;
        }
        System.gc();
    }

    /** glibc's malloc_trim(0), through JavaCPP's binding of it (public since JavaCPP 1.5.13). */
    private static void trimMalloc() {
        try {
            org.bytedeco.javacpp.Pointer.trimMemory();
        } catch (RuntimeException | LinkageError e) {
            // no trimming on this platform: memory is still bounded by the collections
        }
    }

    /** Resident bytes outside the committed Java heap, or −1 where /proc is not available. */
    static long outsideHeap() {
        try {
            String[] f = Files.readString(STATM).trim().split("\\s+");
            return Long.parseLong(f[1]) * PAGE - Runtime.getRuntime().totalMemory();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
