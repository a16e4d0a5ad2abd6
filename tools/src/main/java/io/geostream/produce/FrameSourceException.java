package io.geostream.produce;

import java.io.IOException;

/** A frame source cannot be opened or read (missing file, no video stream, unreadable image, lost connection). */
public final class FrameSourceException extends IOException {
    public FrameSourceException(String message) {
        super(message);
    }

    public FrameSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
