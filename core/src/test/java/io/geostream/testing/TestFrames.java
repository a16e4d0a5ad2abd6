package io.geostream.testing;

import io.geostream.records.FrameRecord;

/** Small frames for operator tests (a reusable test implementation, no mocks). */
public final class TestFrames {
    private TestFrames() {}

    public static final long BASE_MICROS = 1_700_000_000_000_000L;

    /** A 4x3 frame of the stream at 10 fps, pixels filled with the frame index. */
    public static FrameRecord frame(String stream, long index) {
        return frame(stream, index, 4, 3);
    }

    public static FrameRecord frame(String stream, long index, int w, int h) {
        FrameRecord f = new FrameRecord();
        f.streamId = stream;
        f.frameIndex = index;
        f.captureTimeMicros = BASE_MICROS + index * 100_000L;
        f.width = w;
        f.height = h;
        f.rgb = new byte[w * h * 3];
        java.util.Arrays.fill(f.rgb, (byte) index);
        f.sourceTopic = "frames";
        f.sourceOffset = index;
        f.sourcePartition = 0;
        return f;
    }

    /** An end-of-stream marker without pixels: its index is one past the last frame. */
    public static FrameRecord endMarker(String stream, long frameCount) {
        FrameRecord f = new FrameRecord();
        f.streamId = stream;
        f.frameIndex = frameCount;
        f.captureTimeMicros = BASE_MICROS + frameCount * 100_000L;
        f.endOfStream = true;
        return f;
    }
}
