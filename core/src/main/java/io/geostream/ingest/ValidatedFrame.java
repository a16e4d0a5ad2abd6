package io.geostream.ingest;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.records.StreamIds;

import java.io.Serializable;
import java.util.Map;

/**
 * An input frame that passed {@link FrameValidator}: a valid stream id, non-negative index and time, a
 * decoded image of the declared size, and checked intrinsics and attributes.
 *
 * @param streamId          valid stream id (see {@link StreamIds})
 * @param frameIndex        frame number, >= 0
 * @param captureTimeMicros capture time, microseconds since the Unix epoch, >= 0
 * @param endOfStream       whether this is the stream's last event
 * @param image             decoded pixels; null only for an end-of-stream marker with encoding NONE
 * @param intrinsics        intrinsics at the image's resolution; null when not given or when there is no image
 * @param attributes        producer attributes, unmodifiable, sorted by key
 */
public record ValidatedFrame(String streamId, long frameIndex, long captureTimeMicros, boolean endOfStream,
                             RgbImage image, CameraIntrinsics intrinsics, Map<String, String> attributes)
        implements Serializable {

    public ValidatedFrame {
        StreamIds.requireValid(streamId);
        if (frameIndex < 0 || captureTimeMicros < 0) {
            throw new IllegalArgumentException("frameIndex and captureTimeMicros must be >= 0: " + frameIndex + ", " + captureTimeMicros);
        }
        if (image == null && !endOfStream) {
            throw new IllegalArgumentException("only an end-of-stream marker may have no image");
        }
        if (intrinsics != null && (image == null || intrinsics.width() != image.width() || intrinsics.height() != image.height())) {
            throw new IllegalArgumentException("intrinsics must be at the image's resolution");
        }
        if (attributes == null) {
            throw new IllegalArgumentException("attributes must not be null (use an empty map)");
        }
    }

    /** Whether this is a pure end-of-stream marker without pixels. */
    public boolean isMarkerOnly() {
        return image == null;
    }
}
