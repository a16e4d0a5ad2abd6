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
        if (isUrl(spec)) {
            return VideoFrameSource.openUrl(spec);
        }
        if (spec.toLowerCase(Locale.ROOT).startsWith("file://")) {
            spec = Path.of(java.net.URI.create(spec)).toString();
        }
        if (isDevice(spec)) {
            return VideoFrameSource.openDevice(spec);
        }
        Path path = Path.of(spec);
        if (Files.isDirectory(path)) {
            return ImageFolderSource.open(path, folderFps);
        }
        return VideoFrameSource.openFile(path);
    }

    /** Whether {@code spec} names a live source (network stream or webcam), which may drop out and come back. */
    public static boolean isLive(String spec) {
        return isUrl(spec) || isDevice(spec);
    }

    /** A network stream: a URL with a scheme other than {@code file://}. */
    static boolean isUrl(String spec) {
        String lower = spec.toLowerCase(Locale.ROOT);
        return lower.matches("[a-z][a-z0-9+.-]*://.*") && !lower.startsWith("file://");
    }

    private static boolean isDevice(String spec) {
        return spec.startsWith("/dev/video");
    }

    /** {@code spec} for logs: a URL without its user and password. */
    public static String redacted(String spec) {
        return isUrl(spec) ? VideoFrameSource.redact(spec) : spec;
    }
}
