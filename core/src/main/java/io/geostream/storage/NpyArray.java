package io.geostream.storage;

/**
 * A float32 array read from a {@code .npy} file: C-order data and its shape.
 *
 * @param shape dimensions, outermost first (empty for a scalar)
 * @param data  values in row-major order; {@code data.length} is the product of {@code shape}
 */
public record NpyArray(int[] shape, float[] data) {

    public NpyArray {
        if (shape == null || data == null) {
            throw new IllegalArgumentException("shape and data must not be null");
        }
        long count = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d);
            }
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("array too large");
            }
        }
        if (count != data.length) {
            throw new IllegalArgumentException("shape holds " + count + " values but data has " + data.length);
        }
    }
}
