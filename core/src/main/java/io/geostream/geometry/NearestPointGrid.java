package io.geostream.geometry;

import java.util.Arrays;

/**
 * Nearest-neighbour distances to a fixed point set through a uniform grid hash (no O(n^2)): the points are sorted by
 * cell, and a query searches the cells around its own in growing cubic shells until no unsearched cell can hold a
 * closer point. A query probes about (2 d / cell size + 1)^3 cells for a nearest distance d, so the cell size should be
 * near the typical nearest distance; a query that would probe more cells than there are points scans the points
 * instead (an outlier costs O(n), never more). Memory: the points (3 floats each) and an open-addressing table of the
 * cells (a long and two ints per slot, 4 slots per point at most). Immutable once built.
 */
public final class NearestPointGrid {
    private static final long EMPTY = VoxelKeys.EMPTY;

    private final double cellSize;
    private final double inverseSize;
    /** Points sorted by cell, interleaved xyz. */
    private final float[] sorted;
    private final long[] tableKeys;
    /** Per table slot: the cell's first point (index into sorted / 3) and count. */
    private final int[] tableStart;
    private final int[] tableCount;
    /** Bounds of the occupied cell indices: a shell beyond them holds nothing. */
    private final long[] minCell = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
    private final long[] maxCell = {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE};

    /**
     * @param xyz      the points, interleaved (n*3); points with a non-finite coordinate are left out
     * @param cellSize the grid's cell edge, positive and finite
     * @throws IllegalArgumentException when a point lies 2^20 cells or more from the origin on an axis
     */
    public NearestPointGrid(float[] xyz, double cellSize) {
        if (!(cellSize > 0) || !Double.isFinite(cellSize)) {
            throw new IllegalArgumentException("cellSize must be positive and finite, got " + cellSize);
        }
        if (xyz.length % 3 != 0) throw new IllegalArgumentException("xyz must hold 3 values per point, got " + xyz.length);
        this.cellSize = cellSize;
        this.inverseSize = 1.0 / cellSize;
        int n = xyz.length / 3;
        tableKeys = new long[Integer.highestOneBit(Math.max(4, 2 * n)) << 1];
        Arrays.fill(tableKeys, EMPTY);
        tableStart = new int[tableKeys.length];
        tableCount = new int[tableKeys.length];
        // A counting sort by cell: count each cell's points, give each cell its range, then place the points.
        int[] slotOfPoint = new int[n];
        int held = 0;
        for (int i = 0; i < n; i++) {
            float x = xyz[3 * i], y = xyz[3 * i + 1], z = xyz[3 * i + 2];
            slotOfPoint[i] = -1;
            if (!(Float.isFinite(x) && Float.isFinite(y) && Float.isFinite(z))) continue;
            long[] c = {cell(x), cell(y), cell(z)};
            if (!VoxelKeys.inRange(c[0], c[1], c[2])) {
                throw new IllegalArgumentException("point " + i + " lies 2^20 cells of " + cellSize + " or more from the origin");
            }
            for (int a = 0; a < 3; a++) {
                minCell[a] = Math.min(minCell[a], c[a]);
                maxCell[a] = Math.max(maxCell[a], c[a]);
            }
            long key = VoxelKeys.pack(c[0], c[1], c[2]);
            int slot = find(key);
            tableKeys[slot] = key;
            tableCount[slot]++;
            slotOfPoint[i] = slot;
            held++;
        }
        int next = 0;
        for (int slot = 0; slot < tableKeys.length; slot++) {
            tableStart[slot] = next;
            next += tableCount[slot];
        }
        sorted = new float[3 * held];
        int[] placed = new int[tableKeys.length];
        for (int i = 0; i < n; i++) {
            int slot = slotOfPoint[i];
            if (slot < 0) continue;
            int p = tableStart[slot] + placed[slot]++;
            System.arraycopy(xyz, 3 * i, sorted, 3 * p, 3);
        }
    }

    /** Number of points held (the finite ones given). */
    public int size() {
        return sorted.length / 3;
    }

    /** The distance from (x, y, z) to the nearest point held; NaN when none is held or the query is not finite. */
    public double nearestDistance(double x, double y, double z) {
        if (size() == 0 || !(Double.isFinite(x) && Double.isFinite(y) && Double.isFinite(z))) return Double.NaN;
        long cx = cell(x), cy = cell(y), cz = cell(z);
        // The farthest shell that can hold a point: beyond the occupied cells' bounds there is nothing.
        long lastShell = Math.max(Math.max(Math.max(cx - minCell[0], maxCell[0] - cx), Math.max(cy - minCell[1], maxCell[1] - cy)),
                Math.max(cz - minCell[2], maxCell[2] - cz));
        double best = Double.POSITIVE_INFINITY;
        long cellsProbed = 0;
        for (long r = 0; r <= lastShell; r++) {
            cellsProbed += r == 0 ? 1 : 24 * r * r + 2;
            // A query far from every point (an outlier) would probe more cells than there are points: scan them instead.
            if (cellsProbed > size()) return Math.sqrt(nearestInRange(0, size(), x, y, z));
            for (long i = cx - r; i <= cx + r; i++) {
                for (long j = cy - r; j <= cy + r; j++) {
                    boolean faceIj = Math.abs(i - cx) == r || Math.abs(j - cy) == r;
                    // On the shell only: every k on a face column, else the two caps.
                    long step = faceIj ? 1 : Math.max(1, 2 * r);
                    for (long k = cz - r; k <= cz + r; k += step) best = Math.min(best, nearestInCell(i, j, k, x, y, z));
                }
            }
            // Any point in shell r + 1 or beyond lies at least r cells away from the query.
            double reach = r * cellSize;
            if (best <= reach * reach) break;
        }
        return Math.sqrt(best);
    }

    /** Squared distance to the nearest point of one cell (infinity when the cell is empty or out of range). */
    private double nearestInCell(long i, long j, long k, double x, double y, double z) {
        if (!VoxelKeys.inRange(i, j, k)) return Double.POSITIVE_INFINITY;
        int slot = find(VoxelKeys.pack(i, j, k));
        if (tableKeys[slot] == EMPTY) return Double.POSITIVE_INFINITY;
        return nearestInRange(tableStart[slot], tableStart[slot] + tableCount[slot], x, y, z);
    }

    /** Squared distance to the nearest of the sorted points from..to-1. */
    private double nearestInRange(int from, int to, double x, double y, double z) {
        double best = Double.POSITIVE_INFINITY;
        for (int p = from; p < to; p++) {
            double dx = sorted[3 * p] - x, dy = sorted[3 * p + 1] - y, dz = sorted[3 * p + 2] - z;
            best = Math.min(best, dx * dx + dy * dy + dz * dz);
        }
        return best;
    }

    private long cell(double c) {
        return (long) Math.floor(c * inverseSize);
    }

    /** The slot holding the key, or the empty slot where it would go. */
    private int find(long key) {
        int mask = tableKeys.length - 1;
        int i = (int) VoxelKeys.mix(key) & mask;
        while (tableKeys[i] != EMPTY && tableKeys[i] != key) i = (i + 1) & mask;
        return i;
    }
}
