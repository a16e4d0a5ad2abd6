package io.geostream.geometry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Recovers the camera of a point map that is in an arbitrary similarity gauge (a model's clip frame
 * that is rotated and shifted against the slot's camera): the intrinsics (when not given) and the pose
 * of the camera in the point map's frame.
 *
 * <p>How, without intrinsics: a Hartley-normalised DLT of the 3x4 projection matrix on a grid of
 * pixels, refitted once on the correspondences whose reprojection error is within three median errors
 * (moving objects), gives the focal length (zero skew, principal point at the image centre); a PnP
 * with that focal gives the camera pose; the points moved into that camera frame then give a refined
 * focal with {@link FocalEstimator}, and a final PnP the pose. Errors along the pixel rays (depth noise,
 * depth outliers, depth bias) do not move the projections, so they do not bias this.
 */
public final class GaugeCameraEstimator {
    private static final int TARGET_POINTS = 1500;

    private GaugeCameraEstimator() {}

    /**
     * A recovered camera.
     *
     * @param intrinsics   the intrinsics (given or estimated)
     * @param frameFromCamera the camera pose in the point map's frame (rigid; translations in map units)
     */
    public record Camera(CameraIntrinsics intrinsics, RigidTransform frameFromCamera) {}

    /** A PnP solver: the camera of {@code world} points seen at {@code pixels} through {@code k}, from a guess when given. */
    @FunctionalInterface
    public interface Pnp {
        PoseFit estimate(double[][] world, double[][] pixels, CameraIntrinsics k, RigidTransform guessOrNull);
    }

    /** As {@link #estimate(float[], int, int, CameraIntrinsics, Pnp)} with OpenCV's PnP ({@link OpenCvPoseEstimator}). */
    public static Camera estimate(float[] pointMap, int width, int height, CameraIntrinsics givenOrNull) {
        return estimate(pointMap, width, height, givenOrNull, OpenCvPoseEstimator::estimate);
    }

    /**
     * @param pointMap    interleaved xyz per pixel, row-major, 3 * width * height floats (non-finite skipped)
     * @param givenOrNull the intrinsics when known
     * @param pnp         the PnP solver of the two poses (with OpenCV's instead of the hand-written one, per_frame
     *                    stitched 1.5x faster, its evaluation figures equal to 3-4 digits: docs/benchmarks.md, session 18)
     * @throws IllegalArgumentException when too few usable points or a degenerate layout
     */
    public static Camera estimate(float[] pointMap, int width, int height, CameraIntrinsics givenOrNull, Pnp pnp) {
        if (pointMap == null || pointMap.length != 3L * width * height) {
            throw new IllegalArgumentException("point map must hold 3 * " + width + " * " + height + " floats");
        }
        int step = Math.max(1, (int) Math.round(Math.sqrt((double) width * height / TARGET_POINTS)));
        List<double[]> world = new ArrayList<>();
        List<double[]> pixels = new ArrayList<>();
        for (int v = step / 2; v < height; v += step) {
            for (int u = step / 2; u < width; u += step) {
                int p = v * width + u;
                float x = pointMap[3 * p], y = pointMap[3 * p + 1], z = pointMap[3 * p + 2];
                if (Float.isFinite(x) && Float.isFinite(y) && Float.isFinite(z)) {
                    world.add(new double[] {x, y, z});
                    pixels.add(new double[] {u, v});
                }
            }
        }
        double[][] w = world.toArray(new double[0][]);
        double[][] px = pixels.toArray(new double[0][]);
        if (givenOrNull != null) {
            return new Camera(givenOrNull, pnp.estimate(w, px, givenOrNull, null).worldFromCamera());
        }
        double f = dltFocal(w, px, width, height);
        CameraIntrinsics k = new CameraIntrinsics(f, f, (width - 1) / 2.0, (height - 1) / 2.0, width, height);
        RigidTransform pose = pnp.estimate(w, px, k, null).worldFromCamera();
        // Refine the focal on the whole map moved into that camera frame.
        float[] camera = Sim3.of(pose.inverse()).applyToPoints(pointMap);
        try {
            k = FocalEstimator.estimate(camera, width, height);
            pose = pnp.estimate(w, px, k, pose).worldFromCamera();
        } catch (IllegalArgumentException keepDltFocal) {
            // Too few points in front of the camera: the DLT focal stands.
        }
        return new Camera(k, pose);
    }

    /** Focal length (mean of fx, fy) from a robust DLT. */
    static double dltFocal(double[][] world, double[][] pixels, int width, int height) {
        int n = world.length;
        if (n < 12) throw new IllegalArgumentException("need at least 12 points for a DLT, got " + n);
        boolean[] use = new boolean[n];
        Arrays.fill(use, true);
        double[] p = dlt(world, pixels, use);
        double[] err = new double[n];
        for (int i = 0; i < n; i++) err[i] = reprojection(p, world[i], pixels[i]);
        double cut = Math.max(1.0, 3 * Selection.kth(err.clone(), n, n / 2));
        int kept = 0;
        for (int i = 0; i < n; i++) {
            use[i] = err[i] <= cut;
            if (use[i]) kept++;
        }
        if (kept >= 12 && kept < n) p = dlt(world, pixels, use);
        // M = K R: with zero skew, fx = |m1 x m3| / |m3|^2 and fy = |m2 x m3| / |m3|^2.
        double[] m1 = {p[0], p[1], p[2]}, m2 = {p[4], p[5], p[6]}, m3 = {p[8], p[9], p[10]};
        double l2 = m3[0] * m3[0] + m3[1] * m3[1] + m3[2] * m3[2];
        double fx = crossNorm(m1, m3) / l2;
        double fy = crossNorm(m2, m3) / l2;
        double f = (fx + fy) / 2;
        if (!(f > 0) || !Double.isFinite(f)) throw new IllegalArgumentException("the DLT gives no positive focal length");
        return f;
    }

    private static double reprojection(double[] p, double[] x, double[] uv) {
        double a = p[0] * x[0] + p[1] * x[1] + p[2] * x[2] + p[3];
        double b = p[4] * x[0] + p[5] * x[1] + p[6] * x[2] + p[7];
        double c = p[8] * x[0] + p[9] * x[1] + p[10] * x[2] + p[11];
        if (c == 0) return Double.POSITIVE_INFINITY;
        return Math.hypot(a / c - uv[0], b / c - uv[1]);
    }

    /** The 3x4 projection matrix (row-major 12) by a normalised DLT over the used correspondences. */
    private static double[] dlt(double[][] world, double[][] pixels, boolean[] use) {
        int n = 0;
        double[] cw = new double[3], cp = new double[2];
        for (int i = 0; i < world.length; i++) {
            if (!use[i]) continue;
            for (int k = 0; k < 3; k++) cw[k] += world[i][k];
            cp[0] += pixels[i][0];
            cp[1] += pixels[i][1];
            n++;
        }
        for (int k = 0; k < 3; k++) cw[k] /= n;
        cp[0] /= n;
        cp[1] /= n;
        double dw = 0, dp = 0;
        for (int i = 0; i < world.length; i++) {
            if (!use[i]) continue;
            dw += Math.sqrt(sq(world[i][0] - cw[0]) + sq(world[i][1] - cw[1]) + sq(world[i][2] - cw[2]));
            dp += Math.hypot(pixels[i][0] - cp[0], pixels[i][1] - cp[1]);
        }
        double sw = Math.sqrt(3) * n / dw, sp = Math.sqrt(2) * n / dp;
        // The null vector of the 2n x 12 system from its 12 x 12 normal matrix, as PoseEstimator's DLT does: the SVD of
        // the whole system (about 3,000 x 12 here) was half of this estimate's time.
        double[] ata = new double[144];
        double[] r1 = new double[12], r2 = new double[12];
        for (int i = 0; i < world.length; i++) {
            if (!use[i]) continue;
            double x = sw * (world[i][0] - cw[0]), y = sw * (world[i][1] - cw[1]), z = sw * (world[i][2] - cw[2]);
            double u = sp * (pixels[i][0] - cp[0]), v = sp * (pixels[i][1] - cp[1]);
            r1[0] = x; r1[1] = y; r1[2] = z; r1[3] = 1;
            r1[8] = -u * x; r1[9] = -u * y; r1[10] = -u * z; r1[11] = -u;
            r2[4] = x; r2[5] = y; r2[6] = z; r2[7] = 1;
            r2[8] = -v * x; r2[9] = -v * y; r2[10] = -v * z; r2[11] = -v;
            NormalEquations.accumulate(ata, r1, 12);
            NormalEquations.accumulate(ata, r2, 12);
        }
        double[] h = NormalEquations.nullVector(ata, 12);
        if (h == null) throw new IllegalArgumentException("DLT decomposition failed");
        // P = Tp^-1 H Tw with Tw = [sw I, -sw cw], Tp = [sp I, -sp cp].
        double[] hw = new double[12]; // H Tw
        for (int r = 0; r < 3; r++) {
            double t = 0;
            for (int c = 0; c < 3; c++) {
                hw[4 * r + c] = h[4 * r + c] * sw;
                t -= h[4 * r + c] * sw * cw[c];
            }
            hw[4 * r + 3] = t + h[4 * r + 3];
        }
        double[] p = new double[12];
        for (int c = 0; c < 4; c++) {
            p[c] = hw[c] / sp + cp[0] * hw[8 + c];
            p[4 + c] = hw[4 + c] / sp + cp[1] * hw[8 + c];
            p[8 + c] = hw[8 + c];
        }
        return p;
    }

    private static double crossNorm(double[] a, double[] b) {
        double x = a[1] * b[2] - a[2] * b[1], y = a[2] * b[0] - a[0] * b[2], z = a[0] * b[1] - a[1] * b[0];
        return Math.sqrt(x * x + y * y + z * z);
    }

    private static double sq(double v) {
        return v * v;
    }
}
