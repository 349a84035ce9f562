package io.noiselens.noise;

import java.nio.charset.StandardCharsets;

/**
 * Stateless, keyed random streams: every draw is a pure function of its key and its position in the stream,
 * so the same (run seed, purpose, image id, replica, sample) gives the same numbers on any thread, batch,
 * partition or retry (DESIGN.md §4, METHODS.md §13.1).
 *
 * <p>The generator is counter based: value {@code k} of stream {@code key} is
 * {@code mix64(key + (k + 1) * GOLDEN)}, the SplitMix64 output function (Steele, Lea, Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014). Keys are derived by chaining the same mixer over the key
 * components, so distinct components give statistically independent streams. Gaussians use the Box–Muller
 * transform on pairs of 53-bit uniforms.
 */
public final class KeyedRandom {
    /** The name recorded with every output, so that a change of generator is visible in the tables. */
    public static final String ALGORITHM = "splitmix64-counter/box-muller";

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final double TWO_PI = 2 * Math.PI;
    private static final double INV_2_53 = 1.0 / (1L << 53);

    private KeyedRandom() {}

    /** What a stream is for; part of every key so that weight noise and input noise never share numbers. */
    public enum Purpose { WEIGHTS, INPUT, DATASET, TRAINING, SHUFFLE, BOOTSTRAP, RANDOMISATION, ADVERSARIAL }

    /** The SplitMix64 finaliser: a bijective avalanche mix of 64 bits. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A stable 64-bit key for a string (an image id), independent of the JVM's String.hashCode. */
    public static long hash(String s) {
        long h = 0xCBF29CE484222325L; // FNV-1a offset basis
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xFF);
            h *= 0x100000001B3L;
        }
        return mix64(h);
    }

    /** Chains key components into one stream key. */
    public static long key(long seed, Purpose purpose, long... parts) {
        long k = mix64(seed ^ 0x5DEECE66DL);
        k = mix64(k + GOLDEN * (purpose.ordinal() + 1));
        for (long p : parts) {
            k = mix64(k ^ mix64(p + GOLDEN));
        }
        return k;
    }

    /** Value {@code index} of the stream {@code key}, as 64 random bits. */
    public static long bits(long key, long index) {
        return mix64(key + (index + 1) * GOLDEN);
    }

    /** Value {@code index} of the stream as a uniform double in [0, 1). */
    public static double uniform(long key, long index) {
        return (bits(key, index) >>> 11) * INV_2_53;
    }

    /**
     * Fills {@code out[offset .. offset+n)} with standard normal draws from stream {@code key}: draw {@code k}
     * depends only on (key, k), so any slice of the stream can be regenerated independently.
     */
    public static void fillGaussian(long key, float[] out, int offset, int n) {
        int i = 0;
        for (; i + 1 < n; i += 2) {
            double u1 = 1.0 - uniform(key, i); // (0, 1]: log is finite
            double u2 = uniform(key, i + 1);
            double r = Math.sqrt(-2.0 * Math.log(u1));
            double t = TWO_PI * u2;
            out[offset + i] = (float) (r * Math.cos(t));
            out[offset + i + 1] = (float) (r * Math.sin(t));
        }
        if (i < n) {
            out[offset + i] = (float) gaussian(key, i);
        }
    }

    /** Standard normal draw {@code index} of the stream (the cosine branch of Box–Muller on the pair). */
    public static double gaussian(long key, long index) {
        long base = index & ~1L;
        double u1 = 1.0 - uniform(key, base);
        double u2 = uniform(key, base + 1);
        double r = Math.sqrt(-2.0 * Math.log(u1));
        double t = TWO_PI * u2;
        return (index & 1L) == 0 ? r * Math.cos(t) : r * Math.sin(t);
    }

    /** A small sequential view of a keyed stream, for code that draws a few numbers at a time. */
    public static final class Stream {
        private final long key;
        private long next;

        public Stream(long key) {
            this.key = key;
        }

        public double nextUniform() {
            return uniform(key, next++);
        }

        public double nextGaussian() {
            return gaussian(key, next++);
        }

        /** Uniform integer in [0, bound). */
        public int nextInt(int bound) {
            return (int) Math.floor(nextUniform() * bound);
        }

        public double nextDouble(double lo, double hi) {
            return lo + (hi - lo) * nextUniform();
        }
    }
}
