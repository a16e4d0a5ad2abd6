package io.geostream.synthetic;

import java.nio.charset.StandardCharsets;

/**
 * A small SplitMix64 generator whose output is fixed by its seed on every JVM and Java version (unlike
 * {@link java.util.Random#nextGaussian()} or {@link java.util.SplittableRandom}'s newer defaults, this
 * class is ours, and its Gaussian uses {@link StrictMath}), except {@link #nextGaussianIntrinsicLog()}, which is
 * fixed on one platform only. Not thread-safe: one instance per task.
 */
public final class DeterministicRandom {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private long state;
    private double spareGaussian;
    private boolean hasSpare;

    public DeterministicRandom(long seed) {
        this.state = seed;
    }

    /** The SplitMix64 finaliser: a bijective, well-mixing function of 64 bits. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * A stable 64-bit hash of a string and two numbers (FNV-1a over the UTF-8 bytes, then mixed with
     * the numbers in order). Unlike {@link Object#hashCode()} it is specified here and never changes.
     */
    public static long stableHash(String text, long first, long second) {
        if (text == null) throw new IllegalArgumentException("text must not be null");
        long h = 0xCBF29CE484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xFF);
            h *= 0x100000001B3L;
        }
        h = mix(h ^ text.length());
        h = mix(h + GOLDEN_GAMMA * (first + 1));
        return mix(h + 0xD6E8FEB86659FD93L * (second + 1));
    }

    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [low, high). */
    public double uniform(double low, double high) {
        return low + (high - low) * nextDouble();
    }

    /** Uniform in [0, bound), bound > 0 (tiny modulo bias is irrelevant for scene building). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
        return (int) Long.remainderUnsigned(nextLong(), bound);
    }

    /**
     * Standard normal via Marsaglia's polar method (no trigonometry; {@link StrictMath#log} keeps it
     * bit-identical across JVMs). Values come in pairs; the second is returned by the next call.
     */
    public double nextGaussian() {
        return gaussian(false);
    }

    /**
     * {@link #nextGaussian()} with {@link Math#log} (the JIT's intrinsic) in place of {@link StrictMath#log}: the same
     * uniform draws, so the same values wherever the two logarithms agree (97 % of draws on Java 17, x86-64; the rest
     * differ by about an ulp of a double); what one JVM returns is fixed by the seed. For per-pixel noise: on Java 17
     * {@code StrictMath.log} is a native call, 18 % of the simulated model's CPU in a 64-camera soak
     * (docs/benchmarks.md, session 33). The two share the second value of a pair: a call of either may return the
     * value the other computed.
     */
    public double nextGaussianIntrinsicLog() {
        return gaussian(true);
    }

    private double gaussian(boolean intrinsicLog) {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u, v, s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double log = intrinsicLog ? Math.log(s) : StrictMath.log(s);
        double factor = Math.sqrt(-2 * log / s);
        spareGaussian = v * factor;
        hasSpare = true;
        return u * factor;
    }
}
