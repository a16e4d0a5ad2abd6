package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * A point map seen by a known camera in a rotated, shifted frame gives back that camera's focal length and pose, with
 * OpenCV's PnP (the default) and with the hand-written one.
 */
class GaugeCameraEstimatorTest {
    private static final int W = 160, H = 120;

    /** Pixel rays of a camera with focal {@code f}, at depths of a tilted floor and a box, moved by {@code frameFromCamera}. */
    private static float[] pointMap(double f, RigidTransform frameFromCamera, Random random, double noise) {
        float[] map = new float[3 * W * H];
        for (int v = 0; v < H; v++) {
            for (int u = 0; u < W; u++) {
                double x = (u - (W - 1) / 2.0) / f, y = (v - (H - 1) / 2.0) / f;
                double z = 2.0 + 0.8 * y + 0.3 * Math.sin(u * 0.05) + (u > 60 && u < 100 && v > 40 && v < 80 ? -0.5 : 0);
                z *= 1 + noise * random.nextGaussian();
                double[] p = frameFromCamera.apply(new double[] {x * z, y * z, z});
                int i = 3 * (v * W + u);
                map[i] = (float) p[0];
                map[i + 1] = (float) p[1];
                map[i + 2] = (float) p[2];
            }
        }
        return map;
    }

    @Test
    void recoversTheFocalLengthAndThePoseOfAMapInAnotherFrame() {
        Random random = new Random(5);
        for (double f : new double[] {110, 140, 200}) {
            RigidTransform frameFromCamera = new RigidTransform(Rotations.fromRotationVector(new double[] {0.2, -0.4, 0.1}),
                    new double[] {0.5, -0.3, 1.2});
            float[] map = pointMap(f, frameFromCamera, random, 0);
            double[][][] samples = samples(map);
            assertThat(GaugeCameraEstimator.dltFocal(samples[0], samples[1], W, H)).as("DLT focal").isCloseTo(f, within(1e-3 * f));
            GaugeCameraEstimator.Pnp handwritten = PoseEstimator::estimate;
            for (GaugeCameraEstimator.Camera camera : new GaugeCameraEstimator.Camera[] {
                GaugeCameraEstimator.estimate(map, W, H, null), GaugeCameraEstimator.estimate(map, W, H, null, handwritten)}) {
                assertThat(camera.intrinsics().fx()).as("focal").isCloseTo(f, within(1e-3 * f));
                double[] centre = camera.frameFromCamera().center(), truth = frameFromCamera.center();
                for (int k = 0; k < 3; k++) assertThat(centre[k]).isCloseTo(truth[k], within(1e-3));
                assertThat(Rotations.angleBetweenDeg(camera.frameFromCamera().rotation(), frameFromCamera.rotation())).isLessThan(0.05);
            }
        }
    }

    @Test
    void depthNoiseAlongTheRaysDoesNotMoveTheFocalLength() {
        Random random = new Random(6);
        RigidTransform frameFromCamera = new RigidTransform(Rotations.fromRotationVector(new double[] {-0.1, 0.3, 0.05}),
                new double[] {-0.2, 0.1, 0.4});
        float[] map = pointMap(150, frameFromCamera, random, 0.05);
        assertThat(GaugeCameraEstimator.estimate(map, W, H, null).intrinsics().fx()).isCloseTo(150, within(0.5));
    }

    @Test
    void tooFewPointsForADltAreRefused() {
        double[][] world = new double[8][3], pixels = new double[8][2];
        assertThatThrownBy(() -> GaugeCameraEstimator.dltFocal(world, pixels, W, H)).hasMessageContaining("at least 12");
    }

    /** Every 4th pixel of a map as world points and pixels. */
    private static double[][][] samples(float[] map) {
        int n = (W / 4) * (H / 4), k = 0;
        double[][] world = new double[n][], pixels = new double[n][];
        for (int v = 0; v < H; v += 4) {
            for (int u = 0; u < W; u += 4) {
                int i = 3 * (v * W + u);
                world[k] = new double[] {map[i], map[i + 1], map[i + 2]};
                pixels[k++] = new double[] {u, v};
            }
        }
        return new double[][][] {world, pixels};
    }
}
