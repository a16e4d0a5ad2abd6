package io.geostream.geometry;

/**
 * The packed voxel (grid cell) key shared by {@link VoxelMap} and {@link NearestPointGrid}: a cell's three signed
 * indices in 21 bits each, and the hash of a key for open addressing.
 */
final class VoxelKeys {
    /** Largest cell index magnitude per axis that fits the packed key. */
    static final long MAX_INDEX = (1L << 20) - 1;
    /** Never a packed key (packed keys use 63 bits): marks an empty table slot. */
    static final long EMPTY = Long.MIN_VALUE;

    private VoxelKeys() {}

    /** Whether all three indices fit the packed key. */
    static boolean inRange(long ix, long iy, long iz) {
        return Math.abs(ix) <= MAX_INDEX && Math.abs(iy) <= MAX_INDEX && Math.abs(iz) <= MAX_INDEX;
    }

    static long pack(long ix, long iy, long iz) {
        return ((ix & 0x1FFFFFL) << 42) | ((iy & 0x1FFFFFL) << 21) | (iz & 0x1FFFFFL);
    }

    /** A well-mixed hash of a packed key (MurmurHash3's finaliser, first half). */
    static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        return k;
    }
}
