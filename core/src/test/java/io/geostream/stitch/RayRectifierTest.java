package io.geostream.stitch;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Points predicted through a wrong focal length go back onto the true camera's rays at their depth. */
class RayRectifierTest {
    private static final int W = 64, H = 48;
    private static final CameraIntrinsics K = new CameraIntrinsics(60, 60, 31.5, 23.5, W, H);

    @Test
    void pointsOffTheTrueRaysMoveOntoThemKeepingTheirDepth() {
        double focalError = 0.08; // the model saw the scene through a focal length 8 % longer
        float[] camera = new float[3 * W * H];
        for (int p = 0; p < W * H; p++) {
            double z = 2 + 0.5 * Math.sin(p % W / 9.0) + 0.3 * (p / W) / H; // a wavy surface, not a plane
            camera[3 * p] = (float) ((p % W - K.cx()) / (K.fx() * (1 + focalError)) * z);
            camera[3 * p + 1] = (float) ((p / W - K.cy()) / (K.fy() * (1 + focalError)) * z);
            camera[3 * p + 2] = (float) z;
        }
        // In the clip frame: an arbitrary similarity gauge, as a model's clip frame may be.
        Sim3 gauge = new Sim3(0.7, Rotations.axisAngle(new double[] {0.2, 1, 0.1}, 0.4), new double[] {0.3, -0.2, 1.1});
        float[] clip = gauge.applyToPoints(camera);
        float[][] rectified = RayRectifier.rectify(new float[][] {clip}, 1, W, H, K, PoseSolver.DEFAULT);
        assertThat(rectified).isNotNull();
        float[] back = gauge.inverse().applyToPoints(rectified[0]);
        double worstPixel = 0, worstDepth = 0;
        for (int p = 0; p < W * H; p++) {
            double u = K.fx() * back[3 * p] / back[3 * p + 2] + K.cx(), v = K.fy() * back[3 * p + 1] / back[3 * p + 2] + K.cy();
            worstPixel = Math.max(worstPixel, Math.hypot(u - p % W, v - p / W));
            worstDepth = Math.max(worstDepth, Math.abs(back[3 * p + 2] - camera[3 * p + 2]) / camera[3 * p + 2]);
        }
        // Before: the outermost pixels sat about 8 % of their distance from the centre off their rays (~2.5 px).
        assertThat(worstPixel).as("pixels off their true rays").isLessThan(0.05);
        assertThat(worstDepth).as("depth change").isLessThan(1e-3);
    }

    @Test
    void aClipThatAlreadySeesThroughTheSegmentsCameraIsLeftAsPredicted() {
        float[] camera = new float[3 * W * H];
        for (int p = 0; p < W * H; p++) {
            double z = 2 + 0.5 * Math.sin(p % W / 9.0) + 0.3 * (p / W) / H;
            camera[3 * p] = (float) ((p % W - K.cx()) / K.fx() * z);
            camera[3 * p + 1] = (float) ((p / W - K.cy()) / K.fy() * z);
            camera[3 * p + 2] = (float) z;
        }
        assertThat(RayRectifier.rectify(new float[][] {camera}, 1, W, H, K, PoseSolver.DEFAULT)).isNull();
    }

    @Test
    void aSlotWithoutEnoughPointsLeavesTheClipAsPredicted() {
        float[] empty = new float[3 * W * H];
        java.util.Arrays.fill(empty, Float.NaN);
        assertThat(RayRectifier.rectify(new float[][] {empty}, 1, W, H, K, PoseSolver.DEFAULT)).isNull();
    }
}
