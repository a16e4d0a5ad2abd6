package io.geostream.produce;

import io.geostream.avro.Intrinsics;
import io.geostream.avro.LensDistortion;
import io.geostream.records.StreamIds;

import java.util.Objects;

/**
 * What {@link CameraProducer} publishes and how.
 *
 * @param streamId           stream id (Kafka key), checked by {@link StreamIds}
 * @param topic              input topic of the job
 * @param jpegQuality        JPEG quality 1..100
 * @param resizeWidth        output width, or 0 to keep the source's size (then resizeHeight is 0 too)
 * @param resizeHeight       output height, or 0 to keep the source's size
 * @param realtime           pace file and folder sources at their own frame rate (live sources pace themselves)
 * @param maxFrames          stop after this many frames; 0 for all
 * @param intrinsics         pinhole intrinsics at the source's native resolution (or at {@code intrinsicsWidth x
 *                           intrinsicsHeight}), or null; scaled to the output size
 * @param distortion         lens distortion, or null (coefficients do not depend on the resolution)
 * @param claimCheckOverBytes JPEGs larger than this go to object storage and travel by reference; -1 never
 * @param intrinsicsWidth    the resolution the intrinsics were calibrated at, or 0 for the source's native resolution
 *                           (then intrinsicsHeight is 0 too): a source that delivers another size of the same aspect
 *                           ratio gets them scaled; another aspect ratio (a crop) fails the camera
 * @param intrinsicsHeight   likewise
 */
public record ProducerSettings(String streamId, String topic, int jpegQuality, int resizeWidth, int resizeHeight,
                               boolean realtime, long maxFrames, Intrinsics intrinsics, LensDistortion distortion,
                               long claimCheckOverBytes, int intrinsicsWidth, int intrinsicsHeight) {
    public static final int DEFAULT_JPEG_QUALITY = 90;

    public ProducerSettings {
        StreamIds.requireValid(streamId);
        Objects.requireNonNull(topic, "topic");
        if (topic.isBlank()) {
            throw new IllegalArgumentException("topic must not be blank");
        }
        if (jpegQuality < 1 || jpegQuality > 100) {
            throw new IllegalArgumentException("JPEG quality must be in 1..100, got " + jpegQuality);
        }
        if (resizeWidth < 0 || resizeHeight < 0 || (resizeWidth == 0) != (resizeHeight == 0)) {
            throw new IllegalArgumentException("resize must be both positive or both 0, got " + resizeWidth + "x" + resizeHeight);
        }
        if (maxFrames < 0) {
            throw new IllegalArgumentException("maxFrames must not be negative, got " + maxFrames);
        }
        if (intrinsics != null && !(intrinsics.getFx() > 0 && intrinsics.getFy() > 0 && Double.isFinite(intrinsics.getFx())
                && Double.isFinite(intrinsics.getFy()) && Double.isFinite(intrinsics.getCx()) && Double.isFinite(intrinsics.getCy()))) {
            throw new IllegalArgumentException("intrinsics need finite fx, fy > 0 and finite cx, cy, got " + intrinsics);
        }
        if (claimCheckOverBytes < -1) {
            throw new IllegalArgumentException("claimCheckOverBytes must be >= 0, or -1 for never");
        }
        if (intrinsicsWidth < 0 || intrinsicsHeight < 0 || (intrinsicsWidth == 0) != (intrinsicsHeight == 0)) {
            throw new IllegalArgumentException("the intrinsics' size must be both positive or both 0, got "
                    + intrinsicsWidth + "x" + intrinsicsHeight);
        }
        if (intrinsicsWidth > 0 && intrinsics == null) {
            throw new IllegalArgumentException("the intrinsics' size is given without intrinsics");
        }
    }

    /** The same settings without a calibration size: the intrinsics hold at the source's native resolution. */
    public ProducerSettings(String streamId, String topic, int jpegQuality, int resizeWidth, int resizeHeight, boolean realtime,
                            long maxFrames, Intrinsics intrinsics, LensDistortion distortion, long claimCheckOverBytes) {
        this(streamId, topic, jpegQuality, resizeWidth, resizeHeight, realtime, maxFrames, intrinsics, distortion,
                claimCheckOverBytes, 0, 0);
    }

    /** Inline frames, full size, quality {@value #DEFAULT_JPEG_QUALITY}, real time, no intrinsics. */
    public static ProducerSettings of(String streamId, String topic) {
        return new ProducerSettings(streamId, topic, DEFAULT_JPEG_QUALITY, 0, 0, true, 0, null, null, -1);
    }

    public ProducerSettings withResize(int width, int height) {
        return new ProducerSettings(streamId, topic, jpegQuality, width, height, realtime, maxFrames,
                intrinsics, distortion, claimCheckOverBytes, intrinsicsWidth, intrinsicsHeight);
    }

    public ProducerSettings withRealtime(boolean paced) {
        return new ProducerSettings(streamId, topic, jpegQuality, resizeWidth, resizeHeight, paced, maxFrames,
                intrinsics, distortion, claimCheckOverBytes, intrinsicsWidth, intrinsicsHeight);
    }

    public ProducerSettings withMaxFrames(long max) {
        return new ProducerSettings(streamId, topic, jpegQuality, resizeWidth, resizeHeight, realtime, max,
                intrinsics, distortion, claimCheckOverBytes, intrinsicsWidth, intrinsicsHeight);
    }

    public ProducerSettings withIntrinsics(Intrinsics k) {
        return new ProducerSettings(streamId, topic, jpegQuality, resizeWidth, resizeHeight, realtime, maxFrames,
                k, distortion, claimCheckOverBytes, intrinsicsWidth, intrinsicsHeight);
    }

    /** Intrinsics calibrated at {@code width x height} (0, 0: at the source's native resolution). */
    public ProducerSettings withIntrinsicsSize(int width, int height) {
        return new ProducerSettings(streamId, topic, jpegQuality, resizeWidth, resizeHeight, realtime, maxFrames, intrinsics,
                distortion, claimCheckOverBytes, width, height);
    }

    public ProducerSettings withClaimCheckOver(long bytes) {
        return new ProducerSettings(streamId, topic, jpegQuality, resizeWidth, resizeHeight, realtime, maxFrames,
                intrinsics, distortion, bytes, intrinsicsWidth, intrinsicsHeight);
    }
}
