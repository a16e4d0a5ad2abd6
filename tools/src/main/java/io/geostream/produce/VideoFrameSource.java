package io.geostream.produce;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegLogCallback;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Video through FFmpeg (JavaCV's {@link FFmpegFrameGrabber}): a video file, a V4L2 webcam device
 * ({@code /dev/videoN}) or a network stream ({@code rtsp://}, {@code rtsps://}, {@code http(s)://}...).
 * FFmpeg converts every frame to RGB24; audio is skipped.
 */
public final class VideoFrameSource implements FrameSource {
    /** Socket timeout for network streams, so a dead camera ends the run instead of hanging it. */
    static final long NETWORK_TIMEOUT_MICROS = 10_000_000L;

    private final FFmpegFrameGrabber grabber;
    private final String description;
    private final boolean live;

    private VideoFrameSource(FFmpegFrameGrabber grabber, String description, boolean live) {
        this.grabber = grabber;
        this.description = description;
        this.live = live;
    }

    /** Opens a video file. */
    public static VideoFrameSource openFile(Path file) throws FrameSourceException {
        if (!Files.isRegularFile(file)) {
            throw new FrameSourceException("no such video file: " + file);
        }
        return start(new FFmpegFrameGrabber(file.toFile()), "video " + file, false);
    }

    /** Opens a webcam device through V4L2 (Linux), e.g. {@code /dev/video0}. */
    public static VideoFrameSource openDevice(String device) throws FrameSourceException {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(device);
        g.setFormat("v4l2");
        return start(g, "device " + device, true);
    }

    /** Opens a network stream (RTSP over TCP, which survives lossy networks better than UDP). */
    public static VideoFrameSource openUrl(String url) throws FrameSourceException {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(url);
        if (url.startsWith("rtsp")) {
            g.setOption("rtsp_transport", "tcp");
        }
        g.setOption("timeout", String.valueOf(NETWORK_TIMEOUT_MICROS));
        // Never print the URL itself: it may carry credentials (rtsp://user:password@host/...).
        return start(g, "stream " + redact(url), true);
    }

    static String redact(String url) {
        return url.replaceFirst("//[^/@]*@", "//***@");
    }

    /**
     * FFmpeg's error without JavaCV's generic hints, and without credentials: JavaCV quotes the URL it could not open
     * ({@code Could not open input "rtsp://user:pw@..."}).
     */
    static String reason(Exception e) {
        String m = String.valueOf(e.getMessage());
        return m.replace(" (Has setFormat() been called?)", "")
                .replace(" (For more details, make sure FFmpegLogCallback.set() has been called.)", "")
                .replaceAll("//[^/@\\s\"]*@", "//***@");
    }

    private static VideoFrameSource start(FFmpegFrameGrabber g, String description, boolean live) throws FrameSourceException {
        FFmpegLogCallback.setLevel(avutil.AV_LOG_ERROR);
        g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
        try {
            g.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            closeQuietly(g);
            throw new FrameSourceException("cannot open " + description + ": " + reason(e), e);
        }
        if (g.getImageWidth() <= 0 || g.getImageHeight() <= 0) {
            closeQuietly(g);
            throw new FrameSourceException(description + " has no video stream");
        }
        return new VideoFrameSource(g, description, live);
    }

    @Override
    public SourceFrame next() throws IOException {
        Frame f;
        try {
            f = grabber.grabImage();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            throw new FrameSourceException("cannot read " + description + ": " + reason(e), e);
        }
        if (f == null) {
            return null;
        }
        if (f.image == null || f.imageChannels != 3 || f.imageDepth != Frame.DEPTH_UBYTE) {
            throw new FrameSourceException(description + ": FFmpeg returned a frame that is not RGB24");
        }
        int w = f.imageWidth;
        int h = f.imageHeight;
        ByteBuffer buf = ((ByteBuffer) f.image[0]).duplicate();
        int stride = f.imageStride;
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            buf.position(y * stride);
            buf.get(rgb, y * w * 3, w * 3);
        }
        return new SourceFrame(rgb, w, h, f.timestamp);
    }

    @Override
    public double frameRate() {
        double r = grabber.getFrameRate();
        return r > 0 && Double.isFinite(r) ? r : Double.NaN;
    }

    @Override
    public long lengthInFrames() {
        if (live) {
            return -1;
        }
        int n = grabber.getLengthInVideoFrames();
        return n > 0 ? n : -1;
    }

    @Override
    public boolean live() {
        return live;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() throws IOException {
        try {
            grabber.close();
        } catch (FrameGrabber.Exception e) {
            throw new IOException("cannot close " + description, e);
        }
    }

    private static void closeQuietly(FFmpegFrameGrabber g) {
        try {
            g.close();
        } catch (Exception ignored) {
            // Already failing; the open error is the one to report.
        }
    }
}
