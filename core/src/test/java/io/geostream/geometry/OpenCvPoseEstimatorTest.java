package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * OpenCV's PnP as the stitcher calls it: the true pose from noisy correspondences with outliers, the same pose as the
 * hand-written estimator, and the same bytes every call and from every thread (a replay after a failure must write
 * the same records).
 */
class OpenCvPoseEstimatorTest {
    private static final CameraIntrinsics K = new CameraIntrinsics(500, 500, 319.5, 239.5, 640, 480);

    /** n correspondences of a camera at a known pose: 0.3 px noise, a share of outliers moved up to 80 px. */
    private static double[][][] scene(long seed, RigidTransform worldFromCamera, int n, double outlierShare) {
        Random random = new Random(seed);
        double[][] world = new double[n][], pixels = new double[n][];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble() * 639, v = random.nextDouble() * 479, depth = 2 + random.nextDouble() * 6;
            world[i] = worldFromCamera.apply(new double[] {(u - K.cx()) / K.fx() * depth, (v - K.cy()) / K.fy() * depth, depth});
            double du = 0.3 * random.nextGaussian(), dv = 0.3 * random.nextGaussian();
            if (random.nextDouble() < outlierShare) {
                du = 80 * (random.nextDouble() - 0.5);
                dv = 80 * (random.nextDouble() - 0.5);
            }
            pixels[i] = new double[] {u + du, v + dv};
        }
        return new double[][][] {world, pixels};
    }

    private static final RigidTransform POSE = new RigidTransform(
            Rotations.axisAngle(new double[] {0.3, 1, 0.2}, 0.5), new double[] {0.4, -0.2, 1.3});

    @Test
    void findsTheTruePoseThroughOutliersAsTheHandWrittenEstimatorDoes() {
        double[][][] s = scene(1, POSE, 800, 0.25);
        PoseFit cv = OpenCvPoseEstimator.estimate(s[0], s[1], K, null);
        PoseFit own = PoseEstimator.estimate(s[0], s[1], K, null);
        assertThat(distance(cv.worldFromCamera().center(), POSE.center())).isLessThan(0.01);
        assertThat(Rotations.angleBetweenDeg(cv.worldFromCamera().rotation(), POSE.rotation())).isLessThan(0.1);
        assertThat(distance(cv.worldFromCamera().center(), own.worldFromCamera().center())).isLessThan(1e-3);
        assertThat(cv.inliers()).isBetween(550, 650);
        assertThat(cv.reprojectionRmsPx()).isCloseTo(0.42, within(0.15));
    }

    @Test
    void theSameInputGivesTheSamePoseEveryCallAndFromEveryThread() throws Exception {
        double[][][] s = scene(2, POSE, 600, 0.3);
        double[] first = pose(OpenCvPoseEstimator.estimate(s[0], s[1], K, null));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<double[]>> runs = new ArrayList<>();
            for (int i = 0; i < 16; i++) runs.add(pool.submit(() -> pose(OpenCvPoseEstimator.estimate(s[0], s[1], K, null))));
            for (Future<double[]> run : runs) assertThat(run.get()).containsExactly(first);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double[] pose(PoseFit fit) {
        double[] out = new double[12];
        System.arraycopy(fit.worldFromCamera().rotation(), 0, out, 0, 9);
        System.arraycopy(fit.worldFromCamera().translation(), 0, out, 9, 3);
        return out;
    }

    @Test
    void aSolverFailureIsLoggedAtTheFirstTenthAndHundredthTimeOnly() {
        List<Long> logged = new ArrayList<>();
        for (long n = 0; n <= 1_000; n++) if (OpenCvPoseEstimator.isPowerOfTen(n)) logged.add(n);
        assertThat(logged).containsExactly(1L, 10L, 100L, 1_000L);
    }

    private static double distance(double[] a, double[] b) {
        return Math.sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
    }
}
