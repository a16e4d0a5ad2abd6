package io.geostream.model;

import io.geostream.geometry.CameraIntrinsics;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One clip as the model sees it: T frames of one stream and segment, in frame-index order, all of the
 * same width and height. Padded slots (a short last clip) repeat the last real frame and are marked.
 *
 * @param streamId   camera stream id (validated)
 * @param segmentId  segment number within the stream (0, 1, ...)
 * @param clipId     clip number within the segment (0, 1, ...)
 * @param width      frame width in pixels
 * @param height     frame height in pixels
 * @param frames     the clip's slots, in order
 * @param attributes producer metadata carried by the stream (e.g. the synthetic scene spec)
 */
public record ClipInput(
        String streamId,
        long segmentId,
        long clipId,
        int width,
        int height,
        List<Frame> frames,
        Map<String, String> attributes) {

    public ClipInput {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(frames, "frames");
        if (frames.isEmpty()) throw new IllegalArgumentException("a clip needs at least one frame");
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("bad size " + width + "x" + height);
        for (Frame f : frames) {
            if (f.rgb().length != width * height * 3) {
                throw new IllegalArgumentException("frame " + f.frameIndex() + " has " + f.rgb().length
                        + " bytes, expected " + (width * height * 3));
            }
        }
        frames = List.copyOf(frames);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /**
     * One clip slot.
     *
     * @param frameIndex        the stream's frame index
     * @param captureTimeMicros capture time, microseconds since the epoch (UTC)
     * @param rgb               interleaved RGB8, row-major, width*height*3 bytes
     * @param intrinsics        the camera's intrinsics when the producer gave them, else null
     * @param padding           true when this slot only pads a short final clip
     */
    public record Frame(long frameIndex, long captureTimeMicros, byte[] rgb, CameraIntrinsics intrinsics, boolean padding) {
        public Frame {
            Objects.requireNonNull(rgb, "rgb");
        }
    }

    /** Number of slots T. */
    public int length() { return frames.size(); }

    /** A clip of T random frames (fixed seed), for benchmarks: the same pixels on every run. */
    public static ClipInput random(int frames, int width, int height) {
        java.util.Random random = new java.util.Random(1);
        List<Frame> slots = new java.util.ArrayList<>(frames);
        for (int i = 0; i < frames; i++) {
            byte[] rgb = new byte[width * height * 3];
            random.nextBytes(rgb);
            slots.add(new Frame(i, 1_000_000L * i, rgb, null, false));
        }
        return new ClipInput("bench", 0, 0, width, height, slots, null);
    }
}
