package io.geostream.ingest;

import io.geostream.avro.DistortionModel;
import io.geostream.avro.LensDistortion;
import io.geostream.geometry.CameraIntrinsics;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.bytedeco.opencv.global.opencv_calib3d.fisheyeEstimateNewCameraMatrixForUndistortRectify;
import static org.bytedeco.opencv.global.opencv_calib3d.fisheyeInitUndistortRectifyMap;
import static org.bytedeco.opencv.global.opencv_calib3d.getOptimalNewCameraMatrix;
import static org.bytedeco.opencv.global.opencv_calib3d.initUndistortRectifyMap;
import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_core.CV_16SC2;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.remap;

/**
 * Removes lens distortion at ingest, before inference: the model and the stitcher assume a pinhole camera, so a
 * distorted image would bend straight lines into curved geometry. Policy: the output image has the input's size and
 * no border without pixels (OpenCV {@code getOptimalNewCameraMatrix} with alpha 0 for {@link DistortionModel#PLUMB_BOB},
 * {@code fisheye::estimateNewCameraMatrixForUndistortRectify} with balance 0 for {@link DistortionModel#FISHEYE}: the
 * view is cropped to valid pixels and scaled up), and the pinhole camera matrix it maps to is the frame's intrinsics
 * from then on: what the records publish. Coefficients that are all zero are no distortion.
 *
 * <p>The remap tables are built once per camera model (coefficients, intrinsics, size) and kept for the
 * {@value #CACHED_CAMERAS} most recently used; building one costs about as much as a few dozen remaps. Thread-safe.
 */
public final class LensUndistorter {
    /** Camera models whose remap tables are kept. */
    public static final int CACHED_CAMERAS = 16;
    /** Coefficient counts OpenCV takes for the plumb-bob family: k1 k2 p1 p2 [k3 [k4 k5 k6 [s1..s4 [tx ty]]]]. */
    static final Set<Integer> PLUMB_BOB_SIZES = Set.of(4, 5, 8, 12, 14);

    /** An undistorted image and the pinhole intrinsics it has. */
    public record Result(RgbImage image, CameraIntrinsics intrinsics) {}

    private record Key(DistortionModel model, List<Double> coefficients, CameraIntrinsics intrinsics) {}

    /** The remap tables of one camera (fixed-point, the faster form for remap) and the pinhole camera they map to. */
    private record Tables(Mat map1, Mat map2, CameraIntrinsics output) {}

    private final Map<Key, Tables> cache = new LinkedHashMap<>(CACHED_CAMERAS, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Tables> eldest) {
            // Not closed here: another thread may be remapping with it; JavaCPP frees it once unreachable.
            return size() > CACHED_CAMERAS;
        }
    };

    /** Whether {@code d} asks for any change: present, with a non-zero coefficient. */
    public static boolean distorts(LensDistortion d) {
        return d != null && d.getCoefficients() != null && d.getCoefficients().stream().anyMatch(c -> c != null && c != 0.0);
    }

    /**
     * Checks that the model is one this reader can undo and that it has a coefficient count OpenCV takes for it.
     *
     * @throws FrameRejectedException {@link RejectReason#INVALID_DISTORTION} otherwise
     */
    public static void checkModel(LensDistortion d) throws FrameRejectedException {
        int n = d.getCoefficients().size();
        DistortionModel model = d.getModel();
        if (model == DistortionModel.PLUMB_BOB && !PLUMB_BOB_SIZES.contains(n)) {
            throw new FrameRejectedException(RejectReason.INVALID_DISTORTION,
                    "PLUMB_BOB takes 4, 5, 8, 12 or 14 coefficients (k1 k2 p1 p2 [k3 ...]), got " + n);
        }
        if (model == DistortionModel.FISHEYE && n != 4) {
            throw new FrameRejectedException(RejectReason.INVALID_DISTORTION, "FISHEYE takes 4 coefficients (k1..k4), got " + n);
        }
        if (model != DistortionModel.PLUMB_BOB && model != DistortionModel.FISHEYE) {
            throw new FrameRejectedException(RejectReason.INVALID_DISTORTION,
                    "distortion model " + model + " cannot be undone (PLUMB_BOB or FISHEYE)");
        }
    }

    /**
     * The image as a pinhole camera of the same size would have seen it, and that camera's intrinsics.
     *
     * @param k intrinsics of the distorted image, at its size
     * @param d its distortion ({@link #checkModel} passed)
     * @throws FrameRejectedException {@link RejectReason#INVALID_DISTORTION} when OpenCV cannot undo these coefficients
     *                                (for example a fisheye model that folds the view)
     */
    public Result undistort(RgbImage image, CameraIntrinsics k, LensDistortion d) throws FrameRejectedException {
        if (k.width() != image.width() || k.height() != image.height()) {
            throw new IllegalArgumentException("intrinsics must be at the image's size");
        }
        Tables t = tables(new Key(d.getModel(), List.copyOf(d.getCoefficients()), k));
        int w = image.width(), h = image.height();
        try (BytePointer in = new BytePointer(image.rgb());
             Mat src = new Mat(h, w, CV_8UC3, in);
             Mat dst = new Mat()) {
            // Replicate, not black: with the no-border camera every sample lies inside, and a sample that rounds to
            // just outside the edge should take the edge's colour, not invent a dark seam.
            remap(src, dst, t.map1(), t.map2(), INTER_LINEAR, BORDER_REPLICATE, new Scalar());
            byte[] out = new byte[w * h * 3];
            dst.data().get(out);
            return new Result(new RgbImage(w, h, out), t.output());
        }
    }

    /** The pinhole intrinsics that {@link #undistort} gives for this camera, without an image. */
    public CameraIntrinsics outputIntrinsics(CameraIntrinsics k, LensDistortion d) throws FrameRejectedException {
        return tables(new Key(d.getModel(), List.copyOf(d.getCoefficients()), k)).output();
    }

    private Tables tables(Key key) throws FrameRejectedException {
        synchronized (cache) {
            Tables t = cache.get(key);
            if (t != null) return t;
        }
        Tables built = build(key); // outside the lock: other cameras need not wait
        synchronized (cache) {
            return cache.computeIfAbsent(key, k -> built);
        }
    }

    private static Tables build(Key key) throws FrameRejectedException {
        CameraIntrinsics k = key.intrinsics();
        Size size = new Size(k.width(), k.height());
        double[] coefficients = key.coefficients().stream().mapToDouble(Double::doubleValue).toArray();
        try (Mat cameraMatrix = mat(3, 3, k.fx(), 0, k.cx(), 0, k.fy(), k.cy(), 0, 0, 1);
             Mat dist = mat(1, coefficients.length, coefficients);
             Mat identity = mat(3, 3, 1, 0, 0, 0, 1, 0, 0, 0, 1);
             Mat newCamera = new Mat();
             Mat map1 = new Mat();
             Mat map2 = new Mat()) {
            if (key.model() == DistortionModel.FISHEYE) {
                fisheyeEstimateNewCameraMatrixForUndistortRectify(cameraMatrix, dist, size, identity, newCamera, 0.0, size, 1.0);
                fisheyeInitUndistortRectifyMap(cameraMatrix, dist, identity, newCamera, size, CV_16SC2, map1, map2);
            } else {
                try (Mat optimal = getOptimalNewCameraMatrix(cameraMatrix, dist, size, 0.0, size, (Rect) null, false)) {
                    optimal.copyTo(newCamera);
                }
                initUndistortRectifyMap(cameraMatrix, dist, identity, newCamera, size, CV_16SC2, map1, map2);
            }
            double[] p = new double[9];
            try (DoublePointer values = new DoublePointer(newCamera.data())) {
                values.get(p);
            }
            if (!(p[0] > 0) || !(p[4] > 0) || !Double.isFinite(p[2]) || !Double.isFinite(p[5])) {
                throw new FrameRejectedException(RejectReason.INVALID_DISTORTION, "these " + key.model()
                        + " coefficients leave no usable pinhole view: new camera matrix fx=" + p[0] + " fy=" + p[4]);
            }
            // The tables outlive this method: hand out clones, the try closes the originals.
            return new Tables(map1.clone(), map2.clone(), new CameraIntrinsics(p[0], p[4], p[2], p[5], k.width(), k.height()));
        } catch (RuntimeException e) {
            // cv::Exception surfaces as a RuntimeException: the coefficients are what is wrong, not the job.
            throw new FrameRejectedException(RejectReason.INVALID_DISTORTION, "OpenCV cannot undistort with these "
                    + key.model() + " coefficients: " + e.getMessage(), e);
        }
    }

    /** A rows x cols CV_64F matrix of the values, row-major. */
    private static Mat mat(int rows, int cols, double... values) {
        Mat m = new Mat(rows, cols, CV_64F);
        try (DoublePointer p = new DoublePointer(m.data())) {
            p.put(values);
        }
        return m;
    }
}
