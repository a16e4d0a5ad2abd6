package io.geostream.eval;

import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.TrajectoryMetrics;
import io.geostream.geometry.Umeyama;

/**
 * Trajectory error metrics with fixed definitions (so figures stay comparable across changes). Positions are camera centres; poses are
 * world-from-camera. Estimated and true sequences are matched by position in the arrays.
 */
public final class TrajectoryErrors {
    /** Frames of the drift alignment window and of the drift error window. */
    public static final int DRIFT_WINDOW = 100;

    private TrajectoryErrors() {}

    /** ATE: one Sim(3) (Umeyama) fit of all estimated positions to the truth; RMSE and RMSE / true path length. */
    public static TrajectoryMetrics.AteResult ate(double[][] estimated, double[][] truth) {
        return TrajectoryMetrics.ate(estimated, truth);
    }

    /** Sum of distances between consecutive positions. */
    public static double pathLength(double[][] positions) {
        double path = 0;
        for (int i = 1; i < positions.length; i++) path += distance(positions[i], positions[i - 1]);
        return path;
    }

    /**
     * Drift: a Sim(3) fitted on the FIRST {@code window} frames' POSES, then the RMSE of the camera centres over the LAST
     * {@code window} frames, divided by the true path length (windows shrink to the sequence length). In the fit each
     * pose stands for four points: its centre and the ends of its three camera axes at a distance l from it, l the RMS
     * distance of the window's centres from their mean, taken in each path's own units (so an estimate that is an exact
     * similarity of the truth still fits exactly, whatever its scale). NaN when either path's first window never moved
     * (no length to fit a scale on).
     *
     * <p>Why the axes: fitted on centres alone ({@link #driftPositionsOverLength}), a first window whose centres are
     * nearly a line leaves the fit's rotation about that line to centimetres of noise, and the far end of the path, metres
     * from the line, swings with it (session 29: on 4 of 10 seeds that fit's rotation was 90-150 deg off the whole path's,
     * while one alignment of the whole path put its first and its last 100 frames within 0.009 of the length). Every
     * estimated pose has an orientation, and it pins that rotation down; the price is that an estimate's orientation
     * error relative to its own centres reads as drift too (docs/metrics.md).
     */
    public static double driftOverLength(RigidTransform[] estimated, RigidTransform[] truth, int window) {
        if (estimated.length != truth.length || estimated.length < 3) {
            throw new IllegalArgumentException("need two pose sequences of equal length >= 3");
        }
        int w = Math.min(window, estimated.length);
        double[][] estimatedAnchors = poseAnchors(estimated, w), trueAnchors = poseAnchors(truth, w);
        if (estimatedAnchors == null || trueAnchors == null) return Double.NaN;
        return lastWindowRmseOverLength(Umeyama.fitAllowingCollinear(estimatedAnchors, trueAnchors), centres(estimated),
                centres(truth), w);
    }

    /**
     * The first {@code w} poses' centres, then the ends of their x, y and z axes at the centres' RMS spread; null when
     * the centres never moved (a spread at or below 1e-12 of their mean square norm, rounding's level).
     */
    private static double[][] poseAnchors(RigidTransform[] poses, int w) {
        double[] mean = new double[3];
        double squareNorm = 0;
        for (int i = 0; i < w; i++) {
            double[] c = poses[i].center();
            for (int k = 0; k < 3; k++) mean[k] += c[k] / w;
            squareNorm += (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) / w;
        }
        double spread = 0;
        for (int i = 0; i < w; i++) spread += Math.pow(distance(poses[i].center(), mean), 2) / w;
        if (spread <= 1e-12 * squareNorm) return null;
        double l = Math.sqrt(spread);
        double[][] anchors = new double[4 * w][];
        for (int i = 0; i < w; i++) {
            double[] c = poses[i].center(), r = poses[i].rotation();
            anchors[i] = c;
            for (int axis = 0; axis < 3; axis++) {
                // The camera's axis is the rotation's column (world-from-camera, row-major): r[axis], r[3 + axis], r[6 + axis].
                anchors[w * (axis + 1) + i] = new double[] {c[0] + l * r[axis], c[1] + l * r[3 + axis], c[2] + l * r[6 + axis]};
            }
        }
        return anchors;
    }

    /**
     * Drift as the project computed it before session 29 (stitching.json's {@code drift_positions_over_length}): a
     * Sim(3) fitted on the FIRST {@code window} frames' centres only, then the RMSE over the LAST {@code window} frames,
     * divided by the true path length. Ill-conditioned where those centres are nearly a line (see
     * {@link #driftOverLength}); kept so that figures of earlier sessions can be compared.
     */
    public static double driftPositionsOverLength(double[][] estimated, double[][] truth, int window) {
        int n = check(estimated, truth);
        int w = Math.min(window, n);
        double[][] e = new double[w][], t = new double[w][];
        System.arraycopy(estimated, 0, e, 0, w);
        System.arraycopy(truth, 0, t, 0, w);
        return lastWindowRmseOverLength(Umeyama.fitAllowingCollinear(e, t), estimated, truth, w);
    }

    /** RMSE of the last {@code w} aligned estimated positions against the truth, over the true path length. */
    private static double lastWindowRmseOverLength(Sim3 alignment, double[][] estimated, double[][] truth, int w) {
        int n = estimated.length;
        double sum = 0;
        for (int i = n - w; i < n; i++) {
            double d = distance(alignment.apply(estimated[i]), truth[i]);
            sum += d * d;
        }
        double path = pathLength(truth);
        return path > 0 ? Math.sqrt(sum / w) / path : Double.NaN;
    }

    /** The camera centres of world-from-camera poses. */
    public static double[][] centres(RigidTransform[] poses) {
        double[][] c = new double[poses.length][];
        for (int i = 0; i < poses.length; i++) c[i] = poses[i].center();
        return c;
    }

    /**
     * RPE over 1 frame after the ATE alignment of the estimate (so translations are in the truth's units).
     *
     * @param translationRmse RMS of the relative-motion translation error
     * @param rotationMeanDeg mean relative-motion rotation error in degrees
     */
    public record Rpe(double translationRmse, double rotationMeanDeg) {}

    /** 1-frame relative pose error: E_i = (T_i^-1 T_i+1)_truth^-1 (T_i^-1 T_i+1)_est, estimate Sim(3)-aligned first. */
    public static Rpe rpe(RigidTransform[] estimated, RigidTransform[] truth) {
        int n = estimated.length;
        if (n != truth.length || n < 3) throw new IllegalArgumentException("need two pose sequences of equal length >= 3");
        Sim3 align = TrajectoryMetrics.ate(centres(estimated), centres(truth)).alignment();
        RigidTransform[] a = new RigidTransform[n];
        for (int i = 0; i < n; i++) a[i] = align.transformPose(estimated[i]);
        double sumT = 0, sumR = 0;
        for (int i = 0; i + 1 < n; i++) {
            RigidTransform de = a[i].inverse().compose(a[i + 1]);
            RigidTransform dt = truth[i].inverse().compose(truth[i + 1]);
            RigidTransform err = dt.inverse().compose(de);
            double[] tr = err.translation();
            sumT += tr[0] * tr[0] + tr[1] * tr[1] + tr[2] * tr[2];
            sumR += Rotations.angleBetweenDeg(de.rotation(), dt.rotation());
        }
        return new Rpe(Math.sqrt(sumT / (n - 1)), sumR / (n - 1));
    }

    /** A step counts as a spike when it is longer than this many times the truth's 99th-percentile step. */
    public static final double SPIKE_FACTOR = 3;

    /**
     * The share of the estimate's frame-to-frame steps, after the {@code alignment} (the ATE Sim(3) fit), longer than
     * {@link #SPIKE_FACTOR} times the truth's 99th-percentile step: a jumpy path that a low ATE hides.
     */
    public static double spikeShare(double[][] estimated, double[][] truth, Sim3 alignment) {
        int n = check(estimated, truth);
        double[] trueSteps = new double[n - 1];
        for (int i = 0; i + 1 < n; i++) trueSteps[i] = distance(truth[i], truth[i + 1]);
        double[] sorted = trueSteps.clone();
        java.util.Arrays.sort(sorted);
        double limit = SPIKE_FACTOR * sorted[Math.min(sorted.length - 1, (int) Math.ceil(0.99 * sorted.length) - 1)];
        int spikes = 0;
        double[] previous = alignment.apply(estimated[0]);
        for (int i = 1; i < n; i++) {
            double[] current = alignment.apply(estimated[i]);
            if (distance(previous, current) > limit) spikes++;
            previous = current;
        }
        return (double) spikes / (n - 1);
    }

    private static int check(double[][] estimated, double[][] truth) {
        if (estimated.length != truth.length || estimated.length < 3) {
            throw new IllegalArgumentException("need two position sequences of equal length >= 3");
        }
        return estimated.length;
    }

    static double distance(double[] a, double[] b) {
        double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
}
