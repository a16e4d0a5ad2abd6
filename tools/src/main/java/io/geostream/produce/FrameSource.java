package io.geostream.produce;

import java.io.IOException;

/** Frames from a camera-like source, in capture order. Not thread-safe. */
public interface FrameSource extends AutoCloseable {

    /** The next frame, or {@code null} at the end of the source. */
    SourceFrame next() throws IOException;

    /** Nominal frames per second, or {@code NaN} when the source does not say. */
    double frameRate();

    /** Number of frames if known in advance (files, folders), else -1 (live sources). */
    long lengthInFrames();

    /**
     * Whether the source delivers frames at its own pace (webcam, RTSP): then reading already paces the
     * stream and capture times follow the wall clock.
     */
    boolean live();

    /**
     * Whether {@link SourceFrame#timestampMicros()} is already a capture time on the wall clock (microseconds since
     * the Unix epoch), as a {@link ReconnectingSource} gives, rather than a time relative to the source's start.
     */
    default boolean wallClockTimestamps() {
        return false;
    }

    /** Outages the source has come back from (a {@link ReconnectingSource}); 0 for sources that do not reconnect. */
    default long reconnects() {
        return 0;
    }

    /** Frames the source estimates it missed in those outages (length x frame rate), in all. */
    default long framesMissedEstimate() {
        return 0;
    }

    /** A short description for logs and errors. */
    String describe();

    @Override
    void close() throws IOException;
}
