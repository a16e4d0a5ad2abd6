package io.geostream.geometry;

/**
 * A confidence-weighted voxel grid of coloured points in ONE segment's world frame (never mix segments:
 * each has its own frame and scale): the fusion {@code geostream map} builds its maps with, and the one the fused-map
 * metrics of {@code eval stitching} score ({@code io.geostream.eval.FusedMapErrors}). Every voxel keeps the weighted
 * sums of its points' positions and colours, so its output point is the confidence-weighted mean position and colour
 * of what fell into it. With normals, it also sums the weighted unit normals of its points and outputs their
 * renormalised mean (0, 0, 0 where no point had a normal or they cancel out).
 *
 * <p>Memory is bounded: an open-addressing hash from packed voxel coordinates to a slot, plus 7 doubles
 * per voxel, 10 with normals (about 80 or 104 bytes per voxel all told); adding a point that would need more than
 * {@code maxVoxels} voxels throws {@link VoxelCapExceededException}. Voxel coordinates must fit in
 * 21 signed bits per axis ({@code |coordinate / voxelSize| < 2^20}); points outside that are counted and
 * dropped. Not thread-safe.
 */
public final class VoxelMap {
    /** Largest voxel index magnitude per axis that fits the packed 21-bit key. */
    public static final long MAX_INDEX = VoxelKeys.MAX_INDEX;
    private static final long EMPTY = VoxelKeys.EMPTY;
    private static final int FIELDS = 7; // w, wx, wy, wz, wr, wg, wb
    private static final int NORMAL_FIELDS = 3; // wnx, wny, wnz after FIELDS

    private final double voxelSize;
    private final double inverseSize;
    private final int maxVoxels;
    private final int fields;
    private long[] tableKeys;
    private int[] tableSlots;
    private double[] sums;
    private int size;
    private long pointsAdded;
    private long pointsOutOfRange;

    /**
     * @param voxelSize edge length of a voxel in the segment's units, positive and finite
     * @param maxVoxels the most voxels this map may hold, at least 1
     */
    public VoxelMap(double voxelSize, int maxVoxels) {
        this(voxelSize, maxVoxels, false);
    }

    /**
     * @param voxelSize edge length of a voxel in the segment's units, positive and finite
     * @param maxVoxels the most voxels this map may hold, at least 1
     * @param normals   also fuse normals ({@link #addFrame(float[], float[], byte[], float[])})
     */
    public VoxelMap(double voxelSize, int maxVoxels, boolean normals) {
        if (!(voxelSize > 0) || !Double.isFinite(voxelSize)) {
            throw new IllegalArgumentException("voxelSize must be positive and finite, got " + voxelSize);
        }
        if (maxVoxels < 1) {
            throw new IllegalArgumentException("maxVoxels must be at least 1, got " + maxVoxels);
        }
        this.voxelSize = voxelSize;
        this.inverseSize = 1.0 / voxelSize;
        this.maxVoxels = maxVoxels;
        this.fields = normals ? FIELDS + NORMAL_FIELDS : FIELDS;
        int capacity = 1024;
        tableKeys = new long[capacity];
        java.util.Arrays.fill(tableKeys, EMPTY);
        tableSlots = new int[capacity];
        sums = new double[256 * fields];
    }

    public double voxelSize() {
        return voxelSize;
    }

    public int maxVoxels() {
        return maxVoxels;
    }

    /** Whether this map fuses normals. */
    public boolean hasNormals() {
        return fields > FIELDS;
    }

    /** Number of occupied voxels (= points of the output cloud). */
    public int size() {
        return size;
    }

    /** Points fused so far (with positive weight and in range). */
    public long pointsAdded() {
        return pointsAdded;
    }

    /** Points dropped because their voxel coordinates do not fit the packed key. */
    public long pointsOutOfRange() {
        return pointsOutOfRange;
    }

    /**
     * Adds one point. Points with a non-finite coordinate or a weight that is not positive and finite are
     * ignored (returns false), as are points out of the key range (counted in {@link #pointsOutOfRange()}).
     *
     * @param r red 0..255, likewise {@code g} and {@code b}
     * @throws VoxelCapExceededException if the point needs a new voxel and the map holds {@code maxVoxels}
     */
    public boolean add(double x, double y, double z, int r, int g, int b, double weight) {
        return add(x, y, z, r, g, b, Double.NaN, Double.NaN, Double.NaN, weight);
    }

    /**
     * Adds one point with its unit normal ({@code nx, ny, nz}; a non-finite component: no normal, the point still
     * counts). The normal is ignored when this map has no normals.
     */
    public boolean add(double x, double y, double z, int r, int g, int b, double nx, double ny, double nz, double weight) {
        if (!(weight > 0) || !Double.isFinite(weight) || !Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(z)) {
            return false;
        }
        long ix = (long) Math.floor(x * inverseSize), iy = (long) Math.floor(y * inverseSize), iz = (long) Math.floor(z * inverseSize);
        if (!VoxelKeys.inRange(ix, iy, iz)) {
            pointsOutOfRange++;
            return false;
        }
        long key = VoxelKeys.pack(ix, iy, iz);
        int slot = slotOf(key);
        int o = slot * fields;
        sums[o] += weight;
        sums[o + 1] += weight * x;
        sums[o + 2] += weight * y;
        sums[o + 3] += weight * z;
        sums[o + 4] += weight * r;
        sums[o + 5] += weight * g;
        sums[o + 6] += weight * b;
        if (fields > FIELDS && Double.isFinite(nx) && Double.isFinite(ny) && Double.isFinite(nz)) {
            sums[o + 7] += weight * nx;
            sums[o + 8] += weight * ny;
            sums[o + 9] += weight * nz;
        }
        pointsAdded++;
        return true;
    }

    /**
     * Fuses one frame: {@code xyz} interleaved (n*3), {@code confidence} n weights or null for weight 1,
     * {@code rgb} interleaved 8-bit (n*3).
     *
     * @return points fused
     */
    public int addFrame(float[] xyz, float[] confidence, byte[] rgb) {
        return addFrame(xyz, confidence, rgb, null);
    }

    /**
     * As {@link #addFrame(float[], float[], byte[])}, with {@code normals} interleaved unit normals in the same frame as
     * {@code xyz} (n*3, NaN: none), or null.
     */
    public int addFrame(float[] xyz, float[] confidence, byte[] rgb, float[] normals) {
        int n = xyz.length / 3;
        if (xyz.length != n * 3 || rgb.length != n * 3 || (confidence != null && confidence.length != n)
                || (normals != null && normals.length != n * 3)) {
            throw new IllegalArgumentException("xyz (" + xyz.length + "), rgb (" + rgb.length + "), confidence ("
                    + (confidence == null ? "none" : confidence.length) + ") and normals ("
                    + (normals == null ? "none" : normals.length) + ") sizes disagree");
        }
        int fused = 0;
        for (int i = 0; i < n; i++) {
            double w = confidence == null ? 1.0 : confidence[i];
            double nx = normals == null ? Double.NaN : normals[3 * i], ny = normals == null ? Double.NaN : normals[3 * i + 1],
                    nz = normals == null ? Double.NaN : normals[3 * i + 2];
            if (add(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2], rgb[3 * i] & 0xFF, rgb[3 * i + 1] & 0xFF, rgb[3 * i + 2] & 0xFF,
                    nx, ny, nz, w)) {
                fused++;
            }
        }
        return fused;
    }

    /**
     * The fused cloud: per voxel the weighted mean position (float) and colour (rounded to 0..255), and with normals
     * the renormalised weighted mean normal ((0, 0, 0) where there is none).
     */
    public Cloud toCloud() {
        float[] xyz = new float[size * 3];
        byte[] rgb = new byte[size * 3];
        float[] normals = hasNormals() ? new float[size * 3] : null;
        for (int s = 0; s < size; s++) {
            int o = s * fields;
            double w = sums[o];
            for (int k = 0; k < 3; k++) {
                xyz[3 * s + k] = (float) (sums[o + 1 + k] / w);
                long c = Math.round(sums[o + 4 + k] / w);
                rgb[3 * s + k] = (byte) Math.max(0, Math.min(255, c));
            }
            if (normals != null) {
                double nx = sums[o + 7], ny = sums[o + 8], nz = sums[o + 9];
                double len = Math.sqrt(nx * nx + ny * ny + nz * nz);
                if (len > 1e-9 * w) {
                    normals[3 * s] = (float) (nx / len);
                    normals[3 * s + 1] = (float) (ny / len);
                    normals[3 * s + 2] = (float) (nz / len);
                }
            }
        }
        return new Cloud(xyz, rgb, normals);
    }

    /** Approximate heap bytes held by this map. */
    public long approximateBytes() {
        return (long) tableKeys.length * 12 + (long) sums.length * 8;
    }

    private int slotOf(long key) {
        int mask = tableKeys.length - 1;
        int i = (int) VoxelKeys.mix(key) & mask;
        while (true) {
            long k = tableKeys[i];
            if (k == key) return tableSlots[i];
            if (k == EMPTY) break;
            i = (i + 1) & mask;
        }
        if (size >= maxVoxels) {
            throw new VoxelCapExceededException(maxVoxels, voxelSize);
        }
        int slot = size++;
        if (slot * fields + fields > sums.length) {
            sums = java.util.Arrays.copyOf(sums, (int) Math.min((long) sums.length * 2, (long) maxVoxels * fields));
        }
        tableKeys[i] = key;
        tableSlots[i] = slot;
        if (size * 2L > tableKeys.length) {
            rehash(tableKeys.length * 2);
        }
        return slot;
    }

    private void rehash(int capacity) {
        long[] oldKeys = tableKeys;
        int[] oldSlots = tableSlots;
        tableKeys = new long[capacity];
        java.util.Arrays.fill(tableKeys, EMPTY);
        tableSlots = new int[capacity];
        int mask = capacity - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] == EMPTY) continue;
            int i = (int) VoxelKeys.mix(oldKeys[j]) & mask;
            while (tableKeys[i] != EMPTY) i = (i + 1) & mask;
            tableKeys[i] = oldKeys[j];
            tableSlots[i] = oldSlots[j];
        }
    }

    /**
     * A point cloud: {@code xyz} interleaved floats, {@code rgb} interleaved 8-bit colours, same count, and
     * {@code normals} interleaved unit normals ((0, 0, 0): none) or null for a cloud without normals.
     */
    public record Cloud(float[] xyz, byte[] rgb, float[] normals) {
        public Cloud {
            if (xyz.length % 3 != 0 || rgb.length != xyz.length || (normals != null && normals.length != xyz.length)) {
                throw new IllegalArgumentException("xyz, rgb and normals must hold 3 values per point each");
            }
        }

        /** A cloud without normals. */
        public Cloud(float[] xyz, byte[] rgb) {
            this(xyz, rgb, null);
        }

        public int size() {
            return xyz.length / 3;
        }
    }

    /** Thrown when a segment's map would need more voxels than allowed. */
    public static final class VoxelCapExceededException extends RuntimeException {
        public VoxelCapExceededException(int maxVoxels, double voxelSize) {
            super("a segment's voxel map would exceed " + maxVoxels + " voxels (voxel size " + voxelSize
                    + " segment units); raise --max-voxels or --voxel");
        }
    }
}
