package io.geostream.produce;

import java.util.Objects;

/**
 * One camera of a multi-camera producer ({@code cameras.yaml}): what it publishes and where its frames come from.
 *
 * @param settings stream id, topic, size, intrinsics... as for a single camera
 * @param source   video file, image folder, {@code /dev/videoN} or URL ({@code rtsp://...}), as {@code --source} takes
 * @param fps      an image folder's frame rate; for other sources the most frames per second to publish (the others
 *                 are dropped); NaN for the source's own rate (image folders: 30)
 * @param loop     play a file or folder again from the start when it ends (live sources reconnect instead)
 */
public record CameraSpec(ProducerSettings settings, String source, double fps, boolean loop) {
    /** Frame rate of an image folder when the camera gives none, as {@code --fps}'s default. */
    public static final double DEFAULT_FOLDER_FPS = 30;

    public CameraSpec {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(source, "source");
        if (source.isBlank()) {
            throw new IllegalArgumentException("source must not be blank");
        }
        if (!Double.isNaN(fps) && !(fps > 0 && Double.isFinite(fps))) {
            throw new IllegalArgumentException("fps must be positive, got " + fps);
        }
        if (loop && FrameSources.isLive(source)) {
            throw new IllegalArgumentException("loop is for files and folders; a live source reconnects when it drops out");
        }
    }

    public String streamId() {
        return settings.streamId();
    }

    /** A network stream or webcam (reconnected after outages) rather than a file or folder (ends, or loops). */
    public boolean live() {
        return FrameSources.isLive(source);
    }
}
