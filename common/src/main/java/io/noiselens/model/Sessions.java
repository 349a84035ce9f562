package io.noiselens.model;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * SameDiff's inference sessions for NoiseLens's graphs, so that closing a graph also frees its sessions' array
 * caches. SameDiff M2.1 keeps one session per graph and thread, each with an {@code ArrayCacheMemoryMgr} that reuses
 * op output buffers across calls (the buffer reuse we want) and may hold up to a quarter of ND4J's off-heap limit
 * ({@code org.bytedeco.javacpp.maxbytes}); nothing releases those caches but the garbage collector, so a process that
 * builds many graphs (tests, drivers, a model per run) grew by gigabytes. Graphs {@link #track tracked} here have
 * their sessions recorded when SameDiff creates them, and {@link #release} closes their caches.
 */
public final class Sessions {
    private static final Map<SameDiff, List<InferenceSession>> TRACKED = Collections.synchronizedMap(new IdentityHashMap<>());
    /** The most each session's array cache keeps between calls; ≤ 0: SameDiff's default. */
    private static volatile long cacheBytes = -1;

    static {
        SameDiff.bindInferenceFactory(sd -> {
            InferenceSession s = new InferenceSession(sd);
            long limit = cacheBytes;
            if (limit > 0 && s.getMmgr() instanceof ArrayCacheMemoryMgr cache) {
                cache.setMaxCacheBytes(Math.min(cache.getMaxCacheBytes(), limit));
            }
            synchronized (TRACKED) {
                List<InferenceSession> l = TRACKED.get(sd);
                if (l != null) l.add(s);
            }
            return s;
        });
    }

    private Sessions() {}

    /**
     * Caps the array cache of every session created from now on. SameDiff's default, a quarter of the off-heap
     * limit per graph and thread (2 GB with {@code maxbytes=8G}), lets every graph a thread uses (classifier,
     * DANCE's layer probe, the smoothed copy for attacks, MPRT's randomised models) keep gigabytes of buffers
     * between calls: every method at its defaults on the demo model peaked at 11.1 GB in its first two minutes, 9.3 GB
     * with the cap. The engine sets it to a quarter of the memory budget of one call.
     */
    public static void limitCaches(long bytes) {
        cacheBytes = bytes;
    }

    /** Records the sessions SameDiff creates for {@code sd} from now on. */
    static void track(SameDiff sd) {
        TRACKED.put(sd, new ArrayList<>());
    }

    /** Frees the cached arrays of every session of {@code sd} and forgets the graph. */
    static void release(SameDiff sd) {
        List<InferenceSession> l = TRACKED.remove(sd);
        if (l == null) return;
        synchronized (TRACKED) {
            for (InferenceSession s : l) s.getMmgr().close();
        }
    }

    /** Graphs tracked and not yet released (for tests). */
    static int tracked() {
        return TRACKED.size();
    }
}
