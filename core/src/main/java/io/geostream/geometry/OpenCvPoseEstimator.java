package io.geostream.geometry;

import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.TermCriteria;

import static org.bytedeco.opencv.global.opencv_calib3d.Rodrigues;
import static org.bytedeco.opencv.global.opencv_calib3d.SOLVEPNP_SQPNP;
import static org.bytedeco.opencv.global.opencv_calib3d.solvePnPRansac;
import static org.bytedeco.opencv.global.opencv_calib3d.solvePnPRefineLM;
import static org.bytedeco.opencv.global.opencv_core.CV_32S;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;

/**
 * The same job as {@link PoseEstimator}, done by OpenCV: {@code solvePnPRansac} with SQPnP minimal solutions (the
 * previous frame's pose as the starting guess when given), then {@code solvePnPRefineLM} on the inliers. Kept beside
 * the hand-written estimator so that {@code eval stitching --pose-solver} measures both on the same data; the project
 * uses whichever wins (docs/benchmarks.md).
 */
public final class OpenCvPoseEstimator {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OpenCvPoseEstimator.class);
    private static final int ITERATIONS = 200;
    /** Frames this JVM handed to the hand-written solver because OpenCV's failed (for the log's spacing only). */
    private static final java.util.concurrent.atomic.AtomicLong SOLVER_FAILURES = new java.util.concurrent.atomic.AtomicLong();
    private static final double CONFIDENCE = 0.999;
    /**
     * Most inliers the Levenberg-Marquardt refinement uses: every k-th of the inlier list (which follows the sampling
     * grid), k = ceil(inliers / 300), so between 150 and 300 of them. Its cost grows with the points while the pose it
     * reaches does not move: all inliers and these give the same evaluation figures to 4 digits (docs/benchmarks.md,
     * "What was cut").
     */
    static final int MAX_REFINE_POINTS = 300;

    private OpenCvPoseEstimator() {}

    /** As {@link PoseEstimator#estimate(double[][], double[][], CameraIntrinsics, RigidTransform)}. */
    public static PoseFit estimate(double[][] worldPoints, double[][] pixels, CameraIntrinsics k,
                                                 RigidTransform initialGuessOrNull) {
        double threshold = PnpDefaults.inlierThresholdPx(k);
        int n = 0;
        for (int i = 0; i < worldPoints.length; i++) if (finite(worldPoints[i], pixels[i])) n++;
        if (n < PnpDefaults.MIN_POINTS) {
            throw new IllegalArgumentException("need at least " + PnpDefaults.MIN_POINTS + " finite correspondences, got " + n);
        }
        try (Mat object = new Mat(n, 3, CV_64F); Mat image = new Mat(n, 2, CV_64F); Mat camera = new Mat(3, 3, CV_64F);
             Mat distortion = new Mat(); Mat rvec = new Mat(3, 1, CV_64F); Mat tvec = new Mat(3, 1, CV_64F);
             Mat inliers = new Mat(); Mat rotation = new Mat()) {
            DoubleIndexer o = object.createIndexer(), im = image.createIndexer();
            int row = 0;
            for (int i = 0; i < worldPoints.length; i++) {
                if (!finite(worldPoints[i], pixels[i])) continue;
                for (int c = 0; c < 3; c++) o.put(row, c, worldPoints[i][c]);
                im.put(row, 0, pixels[i][0]);
                im.put(row, 1, pixels[i][1]);
                row++;
            }
            DoubleIndexer kk = camera.createIndexer();
            kk.put(0, 0, k.fx()); kk.put(0, 1, 0); kk.put(0, 2, k.cx());
            kk.put(1, 0, 0); kk.put(1, 1, k.fy()); kk.put(1, 2, k.cy());
            kk.put(2, 0, 0); kk.put(2, 1, 0); kk.put(2, 2, 1);
            boolean guess = initialGuessOrNull != null;
            if (guess) setPose(initialGuessOrNull.inverse(), rvec, tvec, rotation);
            boolean found = solvePnPRansac(object, image, camera, distortion, rvec, tvec, guess, ITERATIONS, (float) threshold,
                    CONFIDENCE, inliers, SOLVEPNP_SQPNP);
            if (!found || inliers.rows() < PnpDefaults.MIN_POINTS) throw new IllegalArgumentException("no pose found");
            int step = (inliers.rows() + MAX_REFINE_POINTS - 1) / MAX_REFINE_POINTS;
            try (Mat inObject = select(object, inliers, 3, step); Mat inImage = select(image, inliers, 2, step)) {
                solvePnPRefineLM(inObject, inImage, camera, distortion, rvec, tvec,
                        new TermCriteria(TermCriteria.EPS + TermCriteria.COUNT, 20, 1e-10));
            }
            Rodrigues(rvec, rotation);
            DoubleIndexer r = rotation.createIndexer(), t = tvec.createIndexer();
            double[] rot = new double[9];
            for (int i = 0; i < 9; i++) rot[i] = r.get(i / 3, i % 3);
            RigidTransform cameraFromWorld = new RigidTransform(Rotations.orthonormalize(rot), new double[] {t.get(0), t.get(1), t.get(2)});
            return score(cameraFromWorld, worldPoints, pixels, k, threshold, n);
        } catch (IllegalArgumentException noPose) {
            throw noPose;
        } catch (RuntimeException solverAssertion) {
            // SQPnP asserts on some near-degenerate samples ("num_null_vectors_ <= 6" in computeOmega: a 2,000-frame
            // realistic evaluation hit it); JavaCPP surfaces that as a RuntimeException that would fail the job.
            // The hand-written solver answers the same question on the same correspondences.
            // Logged at the 1st, 10th, 100th, ... time: `eval stitching`'s naive method, whose world shrinks towards a
            // point, hit it about 3,400 times in one 2,000-frame, 5-seed run, which buried every other line of the log.
            long failures = SOLVER_FAILURES.incrementAndGet();
            if (isPowerOfTen(failures)) {
                LOG.warn("OpenCV's PnP failed on {} correspondences ({}); the hand-written solver takes this frame"
                        + " ({} such frames in this JVM so far; logged at the 1st, 10th, 100th, ...)", n,
                        solverAssertion.getMessage(), failures);
            }
            return PoseEstimator.estimate(worldPoints, pixels, k, initialGuessOrNull);
        }
    }

    /** 1, 10, 100, ... */
    static boolean isPowerOfTen(long n) {
        if (n < 1) return false;
        while (n % 10 == 0) n /= 10;
        return n == 1;
    }

    private static boolean finite(double[] p, double[] q) {
        return Double.isFinite(p[0]) && Double.isFinite(p[1]) && Double.isFinite(p[2]) && Double.isFinite(q[0]) && Double.isFinite(q[1]);
    }

    private static void setPose(RigidTransform cameraFromWorld, Mat rvec, Mat tvec, Mat scratch) {
        try (Mat r = new Mat(3, 3, CV_64F)) {
            DoubleIndexer ri = r.createIndexer();
            double[] m = cameraFromWorld.rotation();
            for (int i = 0; i < 9; i++) ri.put(i / 3, i % 3, m[i]);
            Rodrigues(r, rvec);
        }
        DoubleIndexer t = tvec.createIndexer();
        double[] tr = cameraFromWorld.translation();
        for (int i = 0; i < 3; i++) t.put(i, 0, tr[i]);
    }

    /** The rows of {@code rows} named by every {@code step}-th entry of {@code indices}. */
    private static Mat select(Mat rows, Mat indices, int cols, int step) {
        Mat out = new Mat((indices.rows() + step - 1) / step, cols, CV_64F);
        DoubleIndexer from = rows.createIndexer(), to = out.createIndexer();
        try (Mat idx = new Mat()) {
            indices.convertTo(idx, CV_32S);
            org.bytedeco.javacpp.indexer.IntIndexer ii = idx.createIndexer();
            for (int i = 0, row = 0; i < indices.rows(); i += step, row++) {
                int source = ii.get(i, 0);
                for (int c = 0; c < cols; c++) to.put(row, c, from.get(source, c));
            }
        }
        return out;
    }

    /** Inliers and reprojection RMS over them, computed as PoseEstimator reports them. */
    private static PoseFit score(RigidTransform cameraFromWorld, double[][] world, double[][] pixels,
                                               CameraIntrinsics k, double threshold, int used) {
        double sum = 0;
        int inliers = 0;
        for (int i = 0; i < world.length; i++) {
            if (!finite(world[i], pixels[i])) continue;
            double[] c = cameraFromWorld.apply(world[i]);
            if (!(c[2] > 0)) continue;
            double du = k.fx() * c[0] / c[2] + k.cx() - pixels[i][0], dv = k.fy() * c[1] / c[2] + k.cy() - pixels[i][1];
            double e2 = du * du + dv * dv;
            if (e2 < threshold * threshold) {
                sum += e2;
                inliers++;
            }
        }
        return new PoseFit(cameraFromWorld.inverse(), inliers == 0 ? Double.NaN : Math.sqrt(sum / inliers), inliers, used);
    }
}
