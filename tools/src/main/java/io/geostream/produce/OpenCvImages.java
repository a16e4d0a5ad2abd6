package io.geostream.produce;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/** Pixel conversions between Java RGB arrays and OpenCV mats. */
final class OpenCvImages {
    private OpenCvImages() {
    }

    /** Tightly packed RGB bytes of an 8-bit BGR mat. */
    static byte[] bgrToRgbBytes(Mat bgr) {
        try (Mat rgb = new Mat()) {
            opencv_imgproc.cvtColor(bgr, rgb, opencv_imgproc.COLOR_BGR2RGB);
            byte[] out = new byte[rgb.rows() * rgb.cols() * 3];
            rgb.data().get(out);
            return out;
        }
    }

    /**
     * Resizes RGB8 pixels. Shrinking uses area averaging (no aliasing), enlarging bilinear interpolation, decided by
     * the whole image's area. The job's own resize, {@code io.geostream.model.ImageResize.resizeRgb}, decides per axis
     * and is pure Java for the same bytes on every machine (a replayed clip gives the same geometry); here, before
     * Kafka, OpenCV's speed matters more (every frame of every camera at full size) and the two differ only where
     * one axis grows while the other shrinks.
     */
    static byte[] resizeRgb(byte[] rgb, int w, int h, int newW, int newH) {
        if (w == newW && h == newH) {
            return rgb;
        }
        try (BytePointer src = new BytePointer(rgb);
             Mat in = new Mat(h, w, opencv_core.CV_8UC3, src);
             Mat out = new Mat();
             Size size = new Size(newW, newH)) {
            boolean shrink = (long) newW * newH < (long) w * h;
            opencv_imgproc.resize(in, out, size, 0, 0,
                    shrink ? opencv_imgproc.INTER_AREA : opencv_imgproc.INTER_LINEAR);
            byte[] result = new byte[newW * newH * 3];
            out.data().get(result);
            return result;
        }
    }
}
