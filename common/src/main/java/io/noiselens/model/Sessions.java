package io.noiselens.model;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;

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
final class Sessions {
    private static final Map<SameDiff, List<InferenceSession>> TRACKED = Collections.synchronizedMap(new IdentityHashMap<>());

    static {
        SameDiff.bindInferenceFactory(sd -> {
            InferenceSession s = new InferenceSession(sd);
            synchronized (TRACKED) {
                List<InferenceSession> l = TRACKED.get(sd);
                if (l != null) l.add(s);
            }
            return s;
        });
    }

    private Sessions() {}

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
