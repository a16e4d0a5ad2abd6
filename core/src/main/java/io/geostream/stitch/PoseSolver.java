package io.geostream.stitch;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.GaugeCameraEstimator;
import io.geostream.geometry.OpenCvPoseEstimator;
import io.geostream.geometry.PoseEstimator;
import io.geostream.geometry.PoseFit;
import io.geostream.geometry.RigidTransform;

import java.util.Locale;

/** Which PnP solver fits each frame's camera to its world points. */
public enum PoseSolver implements GaugeCameraEstimator.Pnp {
    /** {@link PoseEstimator}: DLT / plane-homography RANSAC, then Gauss-Newton (the project's own). */
    HANDWRITTEN,
    /** {@link OpenCvPoseEstimator}: OpenCV's solvePnPRansac (SQPnP) and solvePnPRefineLM. */
    OPENCV;

    /**
     * The stitcher's solver: OpenCV's, 2.1-2.3x faster than the hand-written one on the same correspondences with the
     * same poses (`geostream bench pose`: mild, identical to 1e-12; realistic, within 1 % of the scene depth; `eval
     * stitching --pose-solver` gives the same ATE, drift and RPE to 4 digits), and deterministic across calls and
     * threads ({@code OpenCvPoseEstimatorTest}). Also the PnP of {@code GaugeCameraEstimator}'s intrinsics-free camera
     * recovery of every slot ({@link RayRectifier}), where it took the hand-written one's place in session 18: the
     * stitching 1.5x faster, every figure of {@code eval stitching} equal (docs/benchmarks.md).
     */
    public static final PoseSolver DEFAULT = OPENCV;

    @Override
    public PoseFit estimate(double[][] world, double[][] pixels, CameraIntrinsics k, RigidTransform guess) {
        return this == OPENCV ? OpenCvPoseEstimator.estimate(world, pixels, k, guess) : PoseEstimator.estimate(world, pixels, k, guess);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PoseSolver parse(String name) {
        String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
        for (PoseSolver s : values()) {
            if (s.name().equals(n)) return s;
        }
        throw new IllegalArgumentException("unknown pose solver '" + name + "' (handwritten, opencv)");
    }
}
