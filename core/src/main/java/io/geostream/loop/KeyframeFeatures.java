package io.geostream.loop;

import io.geostream.geometry.CameraIntrinsics;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.KeyPoint;
import org.bytedeco.opencv.opencv_core.KeyPointVector;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_features2d.ORB;

import java.io.Serializable;
import java.util.Objects;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

/**
 * ORB features of one frame lifted to 3-D with the frame's own depth: what a loop closure matches a new
 * keyframe against. Appearance finds the correspondences (it does not care how far the estimated path has
 * drifted); the depth turns them into 3-D pairs, which verify a loop, and each point's direction and depth are what
 * PnP measures the two cameras' Sim(3) from ({@link LoopPoseMeasurement}).
 *
 * @param cameraPoints 3n points in the frame's camera coordinates (segment units)
 * @param descriptors  n x 32 bytes of ORB descriptors, row-major
 */
public record KeyframeFeatures(float[] cameraPoints, byte[] descriptors) implements Serializable {

    /** Bytes per ORB descriptor. */
    public static final int DESCRIPTOR_BYTES = 32;

    public KeyframeFeatures {
        Objects.requireNonNull(cameraPoints, "cameraPoints");
        Objects.requireNonNull(descriptors, "descriptors");
        if (cameraPoints.length % 3 != 0 || descriptors.length != cameraPoints.length / 3 * DESCRIPTOR_BYTES) {
            throw new IllegalArgumentException("need 3 coordinates and " + DESCRIPTOR_BYTES + " descriptor bytes per feature");
        }
    }

    public int count() {
        return cameraPoints.length / 3;
    }

    /**
     * Detects ORB features on the frame's grey image and keeps those with a valid depth.
     *
     * @param rgb       width x height x 3 interleaved RGB
     * @param depth     width x height camera-frame z (NaN or <= 0: invalid)
     * @param k         intrinsics at this resolution
     * @param features  how many ORB features to detect at most
     */
    public static KeyframeFeatures detect(byte[] rgb, float[] depth, CameraIntrinsics k, int features) {
        int w = k.width(), h = k.height();
        if (rgb.length != w * h * 3 || depth.length != w * h) {
            throw new IllegalArgumentException("rgb and depth must be " + w + "x" + h);
        }
        // Small patches: geometry frames are small (160x120 by default) and the default 31-pixel patch leaves
        // little of the image to detect in.
        int patch = Math.max(9, Math.min(31, Math.min(w, h) / 8));
        try (BytePointer pixels = new BytePointer(rgb);
             Mat colour = new Mat(h, w, CV_8UC3, pixels);
             Mat grey = new Mat();
             KeyPointVector keyPoints = new KeyPointVector();
             Mat descriptors = new Mat();
             Mat noMask = new Mat();
             ORB orb = ORB.create(features, 1.2f, 4, patch, 0, 2, ORB.HARRIS_SCORE, patch, 10)) {
            cvtColor(colour, grey, COLOR_RGB2GRAY);
            orb.detectAndCompute(grey, noMask, keyPoints, descriptors);
            int n = (int) keyPoints.size();
            float[] points = new float[3 * n];
            byte[] desc = new byte[DESCRIPTOR_BYTES * n];
            int kept = 0;
            UByteIndexer d = n == 0 ? null : descriptors.createIndexer();
            for (int i = 0; i < n; i++) {
                KeyPoint kp = keyPoints.get(i);
                float u = kp.pt().x(), v = kp.pt().y();
                int px = Math.round(u), py = Math.round(v);
                if (px < 0 || py < 0 || px >= w || py >= h) continue;
                float z = depth[py * w + px];
                if (!(z > 0) || !Float.isFinite(z)) continue;
                points[3 * kept] = (float) ((u - k.cx()) / k.fx() * z);
                points[3 * kept + 1] = (float) ((v - k.cy()) / k.fy() * z);
                points[3 * kept + 2] = z;
                for (int b = 0; b < DESCRIPTOR_BYTES; b++) desc[DESCRIPTOR_BYTES * kept + b] = (byte) d.get(i, b);
                kept++;
            }
            if (d != null) d.close();
            return new KeyframeFeatures(java.util.Arrays.copyOf(points, 3 * kept),
                    java.util.Arrays.copyOf(desc, DESCRIPTOR_BYTES * kept));
        }
    }
}
