package io.geostream.produce;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Opens the {@link FrameSource} a {@code --source} argument names. */
public final class FrameSources {
    private FrameSources() {
    }

    /**
     * Opens {@code spec}: a URL with a scheme ({@code rtsp://}, {@code http://}...) is a network stream,
     * {@code /dev/video*} a webcam, a folder an image sequence ({@code folderFps} apart), anything else a
     * video file.
     */
    public static FrameSource open(String spec, double folderFps) throws FrameSourceException {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("source must not be blank");
        }
        String lower = spec.toLowerCase(Locale.ROOT);
        if (lower.matches("[a-z][a-z0-9+.-]*://.*") && !lower.startsWith("file://")) {
            return VideoFrameSource.openUrl(spec);
        }
        if (lower.startsWith("file://")) {
            spec = Path.of(java.net.URI.create(spec)).toString();
        }
        if (spec.startsWith("/dev/video")) {
            return VideoFrameSource.openDevice(spec);
        }
        Path path = Path.of(spec);
        if (Files.isDirectory(path)) {
            return ImageFolderSource.open(path, folderFps);
        }
        return VideoFrameSource.openFile(path);
    }
}
