package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.geostream.geometry.GeometryTestData.distance;
import static io.geostream.geometry.GeometryTestData.randomRotation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PoseEstimatorTest {
    private static final CameraIntrinsics K = new CameraIntrinsics(500, 500, 319.5, 239.5, 640, 480);

    /** World points seen by the camera: random pixels at random depths, mapped to the world. */
    private static double[][][] scene(Random random, RigidTransform worldFromCamera, int n) {
        double[][] world = new double[n][];
        double[][] pixels = new double[n][];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble() * 639, v = random.nextDouble() * 479, depth = 2 + random.nextDouble() * 6;
            world[i] = worldFromCamera.apply(new double[] {(u - K.cx()) / K.fx() * depth, (v - K.cy()) / K.fy() * depth, depth});
            pixels[i] = new double[] {u, v};
        }
        return new double[][][] {world, pixels};
    }

    /** Points on the wall x = 4 (world), 2 m by 3 m, plus a share lifted off the wall; their pixels. */
    private static double[][][] wallScene(Random random, RigidTransform worldFromCamera, int n, double offWallShare) {
        RigidTransform cameraFromWorld = worldFromCamera.inverse();
        double[][] world = new double[n][];
        double[][] pixels = new double[n][];
        for (int i = 0; i < n; i++) {
            double off = random.nextDouble() < offWallShare ? -0.5 * random.nextDouble() : 0;
            world[i] = new double[] {4 + off, -1.5 + 3 * random.nextDouble(), 0.2 + 2 * random.nextDouble()};
            double[] c = cameraFromWorld.apply(world[i]);
            pixels[i] = new double[] {K.fx() * c[0] / c[2] + K.cx(), K.fy() * c[1] / c[2] + K.cy()};
        }
        return new double[][][] {world, pixels};
    }

    /** A camera at (0, 0, 1.2) looking roughly along +x (optical z) with a little yaw and pitch. */
    private static RigidTransform cameraLookingAtWall() {
        double[] lookX = {0, 0, 1, -1, 0, 0, 0, -1, 0}; // columns: right = -y, down = -z, forward = +x
        double[] tilt = Rotations.multiply(Rotations.axisAngle(new double[] {0, 0, 1}, 0.2),
                Rotations.axisAngle(new double[] {0, 1, 0}, -0.1));
        return new RigidTransform(Rotations.multiply(tilt, lookX), new double[] {0, 0.1, 1.2});
    }

    private static void assertPose(RigidTransform actual, RigidTransform expected, double maxDeg, double maxMetres) {
        assertThat(Rotations.angleBetweenDeg(actual.rotation(), expected.rotation())).isLessThan(maxDeg);
        assertThat(distance(actual.center(), expected.center())).isLessThan(maxMetres);
    }

    @Test
    void recoversAGeneralPoseExactlyFromNoiseFreeData() {
        Random random = new Random(20);
        for (int trial = 0; trial < 5; trial++) {
            RigidTransform truth = new RigidTransform(randomRotation(random), new double[] {
                random.nextGaussian(), random.nextGaussian(), random.nextGaussian()});
            double[][][] data = scene(random, truth, 50);
            PoseFit fit = PoseEstimator.estimate(data[0], data[1], K);
            assertPose(fit.worldFromCamera(), truth, 1e-7, 1e-8);
            assertThat(fit.reprojectionRmsPx()).isLessThan(1e-6);
            assertThat(fit.inliers()).isEqualTo(50);
            assertThat(fit.used()).isEqualTo(50);
        }
    }

    @Test
    void recoversThePoseExactlyForExactlyAndMostlyPlanarScenes() {
        RigidTransform truth = cameraLookingAtWall();
        for (double offWall : new double[] {0, 0.1}) {
            double[][][] data = wallScene(new Random(21), truth, 80, offWall);
            PoseFit fit = PoseEstimator.estimate(data[0], data[1], K);
            assertPose(fit.worldFromCamera(), truth, 1e-7, 1e-8);
            assertThat(fit.inliers()).isEqualTo(80);
        }
    }

    @Test
    void toleratesPixelNoiseAndFivePercentOutliers() {
        Random random = new Random(22);
        RigidTransform truth = new RigidTransform(randomRotation(random), new double[] {0.5, -1, 2});
        int n = 400;
        double[][][] data = scene(random, truth, n);
        int outliers = 0;
        for (int i = 0; i < n; i++) {
            if (i % 20 == 0) {
                data[1][i] = new double[] {random.nextDouble() * 639, random.nextDouble() * 479};
                outliers++;
            } else {
                data[1][i][0] += random.nextGaussian() * 0.5;
                data[1][i][1] += random.nextGaussian() * 0.5;
            }
        }
        PoseFit fit = PoseEstimator.estimate(data[0], data[1], K);
        // Bound: 0.5 px noise over 380 inliers at 2-8 m: well under 0.1 degree and 2 cm.
        assertPose(fit.worldFromCamera(), truth, 0.1, 0.02);
        assertThat(fit.reprojectionRmsPx()).isBetween(0.4, 1.0);
        assertThat(fit.inliers()).isBetween(n - outliers - 10, n - outliers + 2);
    }

    @Test
    void noisyWallWithOutliersUsesThePriorOrTheHomography() {
        RigidTransform truth = cameraLookingAtWall();
        Random random = new Random(23);
        double[][][] data = wallScene(random, truth, 300, 0.05);
        for (int i = 0; i < 300; i++) {
            if (i % 20 == 0) {
                data[1][i] = new double[] {random.nextDouble() * 639, random.nextDouble() * 479};
            } else {
                data[1][i][0] += random.nextGaussian() * 0.5;
                data[1][i][1] += random.nextGaussian() * 0.5;
            }
        }
        assertPose(PoseEstimator.estimate(data[0], data[1], K).worldFromCamera(), truth, 0.5, 0.03);
        RigidTransform prior = new RigidTransform(Rotations.multiply(truth.rotation(),
                Rotations.axisAngle(new double[] {1, 1, 0}, 0.05)), new double[] {0.1, 0.2, 1.1});
        assertPose(PoseEstimator.estimate(data[0], data[1], K, prior).worldFromCamera(), truth, 0.5, 0.03);
    }

    @Test
    void skipsNonFiniteRowsAndRejectsTooFewPoints() {
        Random random = new Random(24);
        RigidTransform truth = new RigidTransform(randomRotation(random), new double[] {0, 0, 0});
        double[][][] data = scene(random, truth, 12);
        data[0][3] = new double[] {Double.NaN, 0, 0};
        PoseFit fit = PoseEstimator.estimate(data[0], data[1], K);
        assertThat(fit.used()).isEqualTo(11);
        assertPose(fit.worldFromCamera(), truth, 1e-6, 1e-7);
        double[][][] small = scene(random, truth, 5);
        assertThatThrownBy(() -> PoseEstimator.estimate(small[0], small[1], K))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 6");
        assertThatThrownBy(() -> PoseEstimator.estimate(data[0], small[1], K))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
