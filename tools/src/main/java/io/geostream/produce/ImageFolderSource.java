package io.geostream.produce;

import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The images of one folder (JPEG, PNG, BMP, TIFF, WebP), in file-name order, as frames {@code 1/fps} apart.
 * Name frames with zero-padded numbers ({@code 00000.jpg}) so that name order is capture order. Decoded
 * by OpenCV with EXIF orientation ignored, so pixels stay in sensor order (as the job's decoder does).
 */
public final class ImageFolderSource implements FrameSource {
    static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp");

    private final Path folder;
    private final List<Path> files;
    private final double fps;
    private int next;

    private ImageFolderSource(Path folder, List<Path> files, double fps) {
        this.folder = folder;
        this.files = files;
        this.fps = fps;
    }

    /**
     * Lists the folder's images.
     *
     * @throws FrameSourceException if it is not a folder or holds no image
     */
    public static ImageFolderSource open(Path folder, double fps) throws FrameSourceException {
        if (!(fps > 0 && Double.isFinite(fps))) {
            throw new IllegalArgumentException("fps must be positive, got " + fps);
        }
        if (!Files.isDirectory(folder)) {
            throw new FrameSourceException("no such image folder: " + folder);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(Files::isRegularFile).filter(ImageFolderSource::isImage).sorted().toList();
        } catch (IOException e) {
            throw new FrameSourceException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new FrameSourceException("no images (" + String.join(", ", EXTENSIONS.stream().sorted().toList()) + ") in " + folder);
        }
        return new ImageFolderSource(folder, files, fps);
    }

    static boolean isImage(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    @Override
    public SourceFrame next() throws IOException {
        if (next >= files.size()) {
            return null;
        }
        Path file = files.get(next);
        byte[] encoded = Files.readAllBytes(file);
        Mat bgr;
        try (BytePointer bytes = new BytePointer(encoded); Mat buf = new Mat(1, encoded.length, opencv_core.CV_8U, bytes)) {
            bgr = opencv_imgcodecs.imdecode(buf, opencv_imgcodecs.IMREAD_COLOR | opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION);
        }
        try {
            if (bgr == null || bgr.empty()) {
                throw new FrameSourceException("not a readable image: " + file);
            }
            SourceFrame frame = new SourceFrame(OpenCvImages.bgrToRgbBytes(bgr), bgr.cols(), bgr.rows(),
                    Math.round(next * 1e6 / fps));
            next++;
            return frame;
        } finally {
            if (bgr != null) bgr.close();
        }
    }

    @Override
    public double frameRate() {
        return fps;
    }

    @Override
    public long lengthInFrames() {
        return files.size();
    }

    @Override
    public boolean live() {
        return false;
    }

    @Override
    public String describe() {
        return "image folder " + folder + " (" + files.size() + " images)";
    }

    @Override
    public void close() {
    }
}
