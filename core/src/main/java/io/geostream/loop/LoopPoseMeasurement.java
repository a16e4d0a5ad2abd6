package io.geostream.loop;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.OpenCvPoseEstimator;
import io.geostream.geometry.PnpDefaults;
import io.geostream.geometry.PoseFit;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Selection;
import io.geostream.geometry.Sim3;

/**
 * The relative Sim(3) of two keyframes from their matched features, by perspective-n-point both ways: the old
 * keyframe's 3-D points against the new one's pixels (OpenCV's {@code solvePnPRansac} + {@code solvePnPRefineLM}, as
 * {@link OpenCvPoseEstimator}), and the new one's points against the old one's pixels. Each frame's own depth then
 * gives the relative scale (the median ratio of a point's depth seen from the other camera to its own depth, over the
 * reprojection inliers); the two solutions are averaged, and refused when they disagree.
 *
 * <p>Why not the Sim(3) of the 3-D pairs alone: a clip-local model's depth errs by about 10 % (a smooth field, a focal
 * error, noise along the rays), far more than its pixel directions do, and a loop's two cameras stand close together, so
 * a 3-D fit turns the depth error into rotation. Measured against the truth on the verified loops of {@code eval
 * stitching} (realistic, seed 1, first-only keyframes), rotation error median / worst: synthetic 2,000 frames (66 loops)
 * 3-D 2.8 / 104 deg, PnP 0.76 / 3.4 deg; TUM fr1_xyz (17 loops) 5.2 / 102 deg, PnP 2.4 / 7.2 deg; translation per
 * median depth 0.075 / 0.75 vs 0.020 / 0.12 and 0.097 / 1.0 vs 0.028 / 0.08 (docs/benchmarks.md, session 21).
 */
final class LoopPoseMeasurement {

    /**
     * Largest angle between the two directions' rotations of a loop that is kept. On the loops above the two differed by
     * a median 0.4 deg (synthetic) and 1.2 deg (fr1_xyz), at most 6.3 deg; a match set that is not one place gives two
     * unrelated solutions.
     */
    static final double MAX_DISAGREEMENT_DEG = 10;

    private LoopPoseMeasurement() {}

    /**
     * @param oldPoints matched old-keyframe points (camera coordinates, its units), row i paired with {@code newPoints[i]}
     * @param newPoints matched new-keyframe points (camera coordinates, its units)
     * @param k         the intrinsics the pixels are drawn with: any works (the pixels are made from the points and
     *                  taken back by the same k); it sets the pixel scale of the inlier threshold (callers pass the new
     *                  keyframe's)
     * @param minInliers fewest reprojection inliers each direction needs
     * @return the new keyframe's camera into the old one's ({@code p_old = s R p_new + t}), or null when either direction
     * finds no pose with enough inliers or the two disagree
     */
    static Sim3 oldFromNew(double[][] oldPoints, double[][] newPoints, CameraIntrinsics k, int minInliers) {
        if (oldPoints.length != newPoints.length) throw new IllegalArgumentException("need paired points");
        if (oldPoints.length < Math.max(minInliers, PnpDefaults.MIN_POINTS)) return null;
        double[][] oldPixels = pixels(oldPoints, k), newPixels = pixels(newPoints, k);
        Sim3 forward = solve(oldPoints, newPoints, newPixels, k, minInliers);
        Sim3 backward = solve(newPoints, oldPoints, oldPixels, k, minInliers);
        if (forward == null || backward == null) return null;
        Sim3 reverse = backward.inverse();
        if (Rotations.angleBetweenDeg(forward.rotation(), reverse.rotation()) > MAX_DISAGREEMENT_DEG) return null;
        double[] a = forward.rotation(), b = reverse.rotation(), sum = new double[9];
        for (int i = 0; i < 9; i++) sum[i] = a[i] + b[i];
        double[] ta = forward.translation(), tb = reverse.translation();
        return new Sim3(Math.sqrt(forward.scale() * reverse.scale()), Rotations.orthonormalize(sum),
                new double[] {(ta[0] + tb[0]) / 2, (ta[1] + tb[1]) / 2, (ta[2] + tb[2]) / 2});
    }

    /**
     * The target camera placed among the source's 3-D points by PnP on its pixels, as a similarity mapping the target's
     * camera coordinates (its own units) into the source's: {@code p_source = s R p_target + t}.
     */
    private static Sim3 solve(double[][] sourcePoints, double[][] targetPoints, double[][] targetPixels, CameraIntrinsics k,
                              int minInliers) {
        PoseFit fit;
        try {
            fit = OpenCvPoseEstimator.estimate(sourcePoints, targetPixels, k, null);
        } catch (IllegalArgumentException noPose) {
            return null;
        }
        if (fit.inliers() < minInliers) return null;
        RigidTransform sourceFromTarget = fit.worldFromCamera(), targetFromSource = sourceFromTarget.inverse();
        double threshold = PnpDefaults.inlierThresholdPx(k);
        double[] ratios = new double[sourcePoints.length];
        int n = 0;
        for (int i = 0; i < sourcePoints.length; i++) {
            double[] q = targetFromSource.apply(sourcePoints[i]); // the source point in the target camera, source units
            if (!(q[2] > 0)) continue;
            double du = k.fx() * q[0] / q[2] + k.cx() - targetPixels[i][0], dv = k.fy() * q[1] / q[2] + k.cy() - targetPixels[i][1];
            if (du * du + dv * dv <= threshold * threshold) ratios[n++] = q[2] / targetPoints[i][2];
        }
        if (n < minInliers) return null;
        double upper = Selection.kth(ratios, n, n / 2);
        double scale = n % 2 == 1 ? upper : (Selection.kth(ratios, n, n / 2 - 1) + upper) / 2;
        return new Sim3(scale, sourceFromTarget.rotation(), sourceFromTarget.translation());
    }

    private static double[][] pixels(double[][] points, CameraIntrinsics k) {
        double[][] out = new double[points.length][];
        for (int i = 0; i < points.length; i++) {
            double[] p = points[i];
            out[i] = new double[] {k.fx() * p[0] / p[2] + k.cx(), k.fy() * p[1] / p[2] + k.cy()};
        }
        return out;
    }
}
