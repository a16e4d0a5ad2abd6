package io.geostream.ingest;

import io.geostream.avro.ImageEncoding;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.util.concurrent.atomic.AtomicLong;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

/**
 * Decodes an input frame's image bytes into {@link RgbImage}, refusing anything that would cost more than
 * the {@link IngestSettings} allow. Checks run cheapest first and before any allocation that trusts the
 * input: declared size, byte count, then (JPEG/PNG) the header's own size read in Java, and only then the
 * native OpenCV decoder, whose output must again match the declared size.
 *
 * <p>EXIF orientation is ignored ({@code IMREAD_IGNORE_ORIENTATION}) so that the decoded size always equals
 * the header's size and the declared intrinsics keep referring to sensor pixels. Thread-safe.
 */
public final class ImageDecoder {

    /** Number of calls into the native decoder; lets tests prove that a check came first. */
    static final AtomicLong NATIVE_DECODE_CALLS = new AtomicLong();

    private ImageDecoder() {
    }

    /**
     * Decodes {@code data} of encoding {@code enc}, which must be {@code declaredWidth x declaredHeight}.
     *
     * @throws FrameRejectedException INVALID_DIMENSIONS, IMAGE_TOO_LARGE, IMAGE_MISSING, IMAGE_CORRUPT,
     *                                IMAGE_SIZE_MISMATCH, RAW_SIZE_MISMATCH or UNSUPPORTED_ENCODING
     *                                (NONE and UNKNOWN; the caller handles NONE for end-of-stream)
     */
    public static RgbImage decode(ImageEncoding enc, byte[] data, int declaredWidth, int declaredHeight,
                                  IngestSettings limits) throws FrameRejectedException {
        if (limits == null) {
            throw new IllegalArgumentException("limits must not be null");
        }
        if (enc == null) {
            throw new FrameRejectedException(RejectReason.UNSUPPORTED_ENCODING, "no image encoding");
        }
        checkDeclaredSize(declaredWidth, declaredHeight, limits);
        if (data == null || data.length == 0) {
            throw new FrameRejectedException(RejectReason.IMAGE_MISSING, "no image bytes");
        }
        checkEncodedSize(data.length, limits);
        switch (enc) {
            case RAW_RGB8:
                return decodeRaw(data, declaredWidth, declaredHeight);
            case PNG:
                requireHeaderSize(ImageHeaders.png(data), declaredWidth, declaredHeight);
                if (!ImageHeaders.pngIsComplete(data)) {
                    throw new FrameRejectedException(RejectReason.IMAGE_CORRUPT, "PNG truncated (a chunk runs past the end, or no IEND)");
                }
                return decodeNative(data, declaredWidth, declaredHeight);
            case JPEG:
                requireHeaderSize(ImageHeaders.jpeg(data), declaredWidth, declaredHeight);
                if (!ImageHeaders.jpegHasEndOfImage(data)) {
                    throw new FrameRejectedException(RejectReason.IMAGE_CORRUPT, "JPEG truncated (no end-of-image marker)");
                }
                return decodeNative(data, declaredWidth, declaredHeight);
            default:
                throw new FrameRejectedException(RejectReason.UNSUPPORTED_ENCODING, "cannot decode encoding " + enc);
        }
    }

    /**
     * Checks a declared image size against the limits (pixel count computed as a long, so no overflow).
     *
     * @throws FrameRejectedException INVALID_DIMENSIONS if not positive, IMAGE_TOO_LARGE if over a limit
     */
    public static void checkDeclaredSize(int width, int height, IngestSettings limits) throws FrameRejectedException {
        if (limits == null) {
            throw new IllegalArgumentException("limits must not be null");
        }
        if (width <= 0 || height <= 0) {
            throw new FrameRejectedException(RejectReason.INVALID_DIMENSIONS,
                    "declared size " + width + "x" + height + " is not positive");
        }
        if (width > limits.maxWidth() || height > limits.maxHeight() || (long) width * height > limits.maxPixels()) {
            throw new FrameRejectedException(RejectReason.IMAGE_TOO_LARGE, "declared size " + width + "x" + height
                    + " exceeds the limit of " + limits.maxWidth() + "x" + limits.maxHeight()
                    + " and " + limits.maxPixels() + " pixels");
        }
    }

    /**
     * Checks an encoded byte count against the limits.
     *
     * @throws FrameRejectedException IMAGE_TOO_LARGE if over the limit
     */
    public static void checkEncodedSize(long bytes, IngestSettings limits) throws FrameRejectedException {
        if (limits == null) {
            throw new IllegalArgumentException("limits must not be null");
        }
        if (bytes > limits.maxEncodedBytes()) {
            throw new FrameRejectedException(RejectReason.IMAGE_TOO_LARGE,
                    bytes + " encoded bytes exceed the limit of " + limits.maxEncodedBytes());
        }
    }

    private static RgbImage decodeRaw(byte[] data, int width, int height) throws FrameRejectedException {
        long expected = (long) width * height * 3;
        if (data.length != expected) {
            throw new FrameRejectedException(RejectReason.RAW_SIZE_MISMATCH,
                    "RAW_RGB8 has " + data.length + " bytes, expected " + width + "*" + height + "*3 = " + expected);
        }
        return new RgbImage(width, height, data);
    }

    private static void requireHeaderSize(ImageHeaders.ImageHeader header, int width, int height)
            throws FrameRejectedException {
        if (header.width() != width || header.height() != height) {
            throw new FrameRejectedException(RejectReason.IMAGE_SIZE_MISMATCH, header.format() + " header says "
                    + header.width() + "x" + header.height() + ", declared " + width + "x" + height);
        }
    }

    private static RgbImage decodeNative(byte[] data, int width, int height) throws FrameRejectedException {
        NATIVE_DECODE_CALLS.incrementAndGet();
        // Every native object is closed here, not left to the garbage collector: frames arrive faster
        // than JavaCPP's deallocator thread would free them.
        try (BytePointer encoded = new BytePointer(data);
             Mat encodedMat = new Mat(1, data.length, CV_8UC1, encoded);
             Mat bgr = imdecode(encodedMat, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION);
             Mat rgb = new Mat()) {
            if (bgr == null || bgr.isNull() || bgr.empty()) {
                throw new FrameRejectedException(RejectReason.IMAGE_CORRUPT, "the image decoder could not read the bytes");
            }
            if (bgr.cols() != width || bgr.rows() != height) {
                throw new FrameRejectedException(RejectReason.IMAGE_SIZE_MISMATCH, "decoded "
                        + bgr.cols() + "x" + bgr.rows() + ", declared " + width + "x" + height);
            }
            if (bgr.type() != CV_8UC3) {
                throw new FrameRejectedException(RejectReason.IMAGE_CORRUPT, "decoded to unexpected pixel type " + bgr.type());
            }
            cvtColor(bgr, rgb, COLOR_BGR2RGB);
            byte[] out = new byte[width * height * 3];
            if (!rgb.isContinuous() || rgb.total() * rgb.elemSize() != out.length) {
                throw new FrameRejectedException(RejectReason.IMAGE_CORRUPT, "decoded image has an unexpected layout");
            }
            rgb.data().get(out);
            return new RgbImage(width, height, out);
        } catch (RuntimeException e) {
            // cv::Exception surfaces as a RuntimeException; the bytes are what is wrong, not the job.
            throw new FrameRejectedException(RejectReason.IMAGE_CORRUPT, "the image decoder failed: " + e.getMessage(), e);
        }
    }
}
