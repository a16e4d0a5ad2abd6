package io.geostream.produce;

/**
 * One frame read from a {@link FrameSource}: interleaved RGB8 pixels, row-major, tightly packed, at the
 * source's native size, with the source's own presentation time.
 *
 * @param timestampMicros presentation time relative to the source's start (a video's PTS, or
 *                        {@code index / fps} for an image folder); not wall-clock time
 */
public record SourceFrame(byte[] rgb, int width, int height, long timestampMicros) {
    public SourceFrame {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + width + "x" + height);
        }
        if (rgb == null || rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("rgb must hold width*height*3 = " + (long) width * height * 3 + " bytes");
        }
    }
}
