package io.geostream.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Brute-force nearest neighbours of ORB descriptors (256 bits, {@link KeyframeFeatures#DESCRIPTOR_BYTES} bytes each,
 * rows of a row-major array) by Hamming distance: the pairs OpenCV's {@code BFMatcher(NORM_HAMMING)} returns, in its
 * order and with its tie-breaks (the first row at the least distance wins), as {@code HammingMatcherTest} checks against
 * OpenCV itself. Kept by hand because it is several times cheaper here: one 500 x 500 cross-checked match, as the
 * loop verifier makes three a keyframe, took a median 5.6-5.7 ms of the process's CPU through JavaCV (its worker pool
 * spinning beside the work) against 0.7-0.8 ms for this loop of four {@code Long.bitCount}s a pair (the JIT's POPCNT),
 * 7-8x, on the 2-core machine on 2026-12-06 ({@code HammingMatcherCostCheck}); in {@code bench pipeline} the loop
 * closer's CPU fell from 1.0 to 0.4 ms a frame (docs/benchmarks.md).
 */
final class HammingMatcher {

    private static final int LONGS = KeyframeFeatures.DESCRIPTOR_BYTES / Long.BYTES;
    private static final VarHandle LONG_VIEW = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private HammingMatcher() {}

    /** A match: row {@code query} of the query descriptors, row {@code train} of the train descriptors, their distance. */
    record Match(int query, int train, int distance) {}

    /**
     * For each query row, its nearest train row (the first of equals), as {@code BFMatcher(NORM_HAMMING, false).match}.
     *
     * @param distances filled with each query row's least distance (Integer.MAX_VALUE where there are no train rows)
     * @return per query row the train row, or -1 when there are no train rows
     */
    static int[] nearest(byte[] query, byte[] train, int[] distances) {
        long[] q = words(query), t = words(train);
        int nq = q.length / LONGS;
        if (distances.length != nq) throw new IllegalArgumentException("distances must have one entry per query row");
        int[] best = new int[nq];
        scan(q, t, best, distances, null, null);
        return best;
    }

    /**
     * Mutual nearest neighbours, as {@code BFMatcher(NORM_HAMMING, true).match}: query row i and train row j match when j
     * is i's nearest train row and i is j's nearest query row (first of equals, both ways). In query row order.
     */
    static Match[] crossChecked(byte[] query, byte[] train) {
        long[] q = words(query), t = words(train);
        int nq = q.length / LONGS, nt = t.length / LONGS;
        int[] rowBest = new int[nq], rowDistance = new int[nq];
        int[] columnBest = new int[nt], columnDistance = new int[nt];
        scan(q, t, rowBest, rowDistance, columnBest, columnDistance);
        Match[] out = new Match[nq];
        int n = 0;
        for (int i = 0; i < nq; i++) {
            int j = rowBest[i];
            if (j >= 0 && columnBest[j] == i) out[n++] = new Match(i, j, rowDistance[i]);
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * One pass over the distance matrix: each query row's first nearest train row and its distance (-1 and
     * Integer.MAX_VALUE without train rows), and, when {@code columnBest} is given, each train row's first nearest query
     * row (rows are scanned in order, so the first to reach a column's least distance keeps it).
     */
    private static void scan(long[] q, long[] t, int[] rowBest, int[] rowDistance, int[] columnBest, int[] columnDistance) {
        int nq = q.length / LONGS, nt = t.length / LONGS;
        boolean columns = columnBest != null;
        if (columns) {
            Arrays.fill(columnBest, -1);
            Arrays.fill(columnDistance, Integer.MAX_VALUE);
        }
        for (int i = 0; i < nq; i++) {
            long a0 = q[LONGS * i], a1 = q[LONGS * i + 1], a2 = q[LONGS * i + 2], a3 = q[LONGS * i + 3];
            int bestDistance = Integer.MAX_VALUE, bestRow = -1;
            for (int j = 0, o = 0; j < nt; j++, o += LONGS) {
                int d = Long.bitCount(a0 ^ t[o]) + Long.bitCount(a1 ^ t[o + 1]) + Long.bitCount(a2 ^ t[o + 2])
                        + Long.bitCount(a3 ^ t[o + 3]);
                if (d < bestDistance) {
                    bestDistance = d;
                    bestRow = j;
                }
                if (columns && d < columnDistance[j]) {
                    columnDistance[j] = d;
                    columnBest[j] = i;
                }
            }
            rowBest[i] = bestRow;
            rowDistance[i] = bestDistance;
        }
    }

    /** Descriptor rows as 4 longs each. */
    private static long[] words(byte[] descriptors) {
        if (descriptors.length % KeyframeFeatures.DESCRIPTOR_BYTES != 0) {
            throw new IllegalArgumentException("descriptors must be rows of " + KeyframeFeatures.DESCRIPTOR_BYTES + " bytes, got "
                    + descriptors.length + " bytes");
        }
        long[] w = new long[descriptors.length / Long.BYTES];
        for (int i = 0; i < w.length; i++) w[i] = (long) LONG_VIEW.get(descriptors, i * Long.BYTES);
        return w;
    }
}
