package io.geostream.model.torchscript;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A translator's reused direct buffer for an input tensor, sized by the largest input seen and held for the
 * predictor's life (one predictor per worker thread, so one buffer per thread): no Java float[] and no fresh direct
 * buffer per call. 64-byte aligned like libtorch's own allocations, so kernels see the same alignment either way.
 */
final class InputStaging {
    private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

    /**
     * A float view of the first {@code floats} values, positioned at 0, for the caller to fill.
     *
     * @param what names the input in the error when it is too large for one buffer
     */
    FloatBuffer floats(long floats, String what) {
        long size = floats * Float.BYTES;
        if (size > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException(what + " needs " + size + " bytes, more than one buffer holds; lower the batch size");
        }
        int bytes = (int) size;
        if (buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(bytes + 63).alignedSlice(64).order(ByteOrder.nativeOrder());
        }
        buffer.clear().limit(bytes);
        return buffer.asFloatBuffer();
    }

    /** The bytes {@link #floats} last handed out. */
    ByteBuffer bytes() {
        return buffer;
    }
}
