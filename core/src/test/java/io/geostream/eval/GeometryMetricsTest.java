package io.geostream.eval;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The geometry metrics on cases whose answer is known. */
class GeometryMetricsTest {
    private static final int W = 40, H = 30;
    private static final CameraIntrinsics K = new CameraIntrinsics(35, 35, 19.5, 14.5, W, H);

    /** A fronto-parallel wall at depth 3 seen by a camera at x. */
    private static float[] wallDepth(double scale) {
        float[] d = new float[W * H];
        java.util.Arrays.fill(d, (float) (3 * scale));
        return d;
    }

    private static RigidTransform cameraAt(double x) {
        return new RigidTransform(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new double[] {x, 0, 0});
    }

    @Test
    void consistencyIsZeroForExactDepthAndShowsAScaleJumpOnlyAtTheBoundaryItCrosses() {
        FrameConsistency c = new FrameConsistency();
        c.add(0, 1, cameraAt(0.00), K, W, H, wallDepth(1));
        c.add(0, 1, cameraAt(0.01), K, W, H, wallDepth(1));
        c.add(0, 2, cameraAt(0.02), K, W, H, wallDepth(1.05)); // the next clip sees the wall 5 % farther
        c.add(0, 2, cameraAt(0.03), K, W, H, wallDepth(1.05));
        c.add(1, 3, cameraAt(5), K, W, H, wallDepth(2)); // another segment: not paired
        FrameConsistency.Result r = c.result();
        assertThat(r.withinPairs()).isEqualTo(2);
        assertThat(r.boundaryPairs()).isEqualTo(1);
        assertThat(r.within()).isCloseTo(0, within(1e-6));
        assertThat(r.boundary()).isCloseTo(0.05 / 1.05, within(1e-6));
    }

    @Test
    void pointErrorsIgnoreOneSimilarityPerGroupButNotADistortionInsideIt() {
        float[] truth = new float[3 * W * H];
        for (int p = 0; p < W * H; p++) {
            truth[3 * p] = (p % W - 19.5f) / 10f;
            truth[3 * p + 1] = (p / W - 14.5f) / 10f;
            truth[3 * p + 2] = 3 + 0.01f * (p % 7);
        }
        Sim3 gauge = new Sim3(0.4, Rotations.axisAngle(new double[] {1, 2, 3}, 0.7), new double[] {5, -1, 2});
        WorldPointErrors exact = new WorldPointErrors();
        exact.add(7, W, H, gauge.applyToPoints(truth), truth, new double[] {0, 0, 0});
        assertThat(exact.medianRelative()).isLessThan(1e-5);
        float[] stretched = truth.clone();
        for (int p = 0; p < W * H; p++) stretched[3 * p + 2] *= (p % W) < W / 2 ? 1.0f : 1.1f; // half the scene 10 % deeper
        WorldPointErrors distorted = new WorldPointErrors();
        distorted.add(7, W, H, stretched, truth, new double[] {0, 0, 0});
        assertThat(distorted.medianRelative()).isBetween(0.01, 0.1);
    }

    @Test
    void clipDepthAccuracyAlignsScaleAndShiftPerClipTheWayUniGeoDoes() {
        float[] truth = new float[3 * W * H];
        for (int p = 0; p < W * H; p++) {
            truth[3 * p] = (p % W - 19.5f) / 10f;
            truth[3 * p + 1] = (p / W - 14.5f) / 10f;
            truth[3 * p + 2] = 2 + 0.05f * (p % 11);
        }
        float[] scaled = new float[truth.length];
        for (int i = 0; i < truth.length; i++) scaled[i] = 0.5f * truth[i];
        ClipDepthAccuracy a = new ClipDepthAccuracy();
        ClipDepthAccuracy.Clip exact = a.addClip(List.of(scaled), List.of(truth));
        assertThat(exact.absRel()).isLessThan(1e-6);
        assertThat(exact.absRelZ()).isLessThan(1e-6);
        assertThat(exact.delta1()).isEqualTo(1.0);
        float[] off = truth.clone();
        for (int p = 0; p < W * H; p++) {
            double k = p % 2 == 0 ? 1.1 : 0.9; // +-10 % along the ray, alternating
            for (int c = 0; c < 3; c++) off[3 * p + c] = (float) (k * truth[3 * p + c]);
        }
        ClipDepthAccuracy.Clip noisy = a.addClip(List.of(off), List.of(truth));
        // +-10 % errors; the least-squares scale and shift can only lower the mean relative error somewhat.
        assertThat(noisy.absRel()).isBetween(0.04, 0.1);
        assertThat(a.result().clips()).isEqualTo(2);
        assertThat(a.result().absRel()).isCloseTo((exact.absRel() + noisy.absRel()) / 2, within(1e-12));
    }

    @Test
    void spikeShareCountsStepsBeyondThreeTimesTheTruthsP99Step() {
        int n = 101;
        double[][] truth = new double[n][], est = new double[n][];
        for (int i = 0; i < n; i++) {
            truth[i] = new double[] {0.01 * i, 0, 0};
            est[i] = new double[] {0.01 * i + (i == 50 ? 0.2 : 0), 0, 0}; // one frame thrown off: two spiky steps
        }
        assertThat(TrajectoryErrors.spikeShare(est, truth, Sim3.identity())).isCloseTo(2.0 / 100, within(1e-12));
        assertThat(TrajectoryErrors.spikeShare(truth, truth, Sim3.identity())).isZero();
    }
}
