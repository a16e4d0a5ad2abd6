package io.geostream.loop;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.Umeyama;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * A loop measured by PnP both ways on rendered frames whose depth errs as a clip-local model's does (a smooth field of
 * +-15 % and another scale per frame): the pixels keep the rotation where a 3-D fit of the same pairs loses it.
 */
class LoopPoseMeasurementTest {

    private static final SyntheticScene SCENE = new SyntheticScene(new SceneSpec(3, 160, 120, 400, TrajectoryKind.WALK, 0, 30));
    private static final int MIN_INLIERS = LoopClosureSettings.defaults().minInliers();

    /** The frame's depth times {@code scale} and a smooth field 1 + 0.15 sin(u / a) cos(v / b). */
    private static KeyframeFeatures features(FrameTruth t, float scale, double a, double b) {
        float[] depth = t.depth().clone();
        for (int v = 0; v < t.height(); v++) {
            for (int u = 0; u < t.width(); u++) {
                depth[v * t.width() + u] *= (float) (scale * (1 + 0.15 * Math.sin(u / a) * Math.cos(v / b)));
            }
        }
        return KeyframeFeatures.detect(t.rgb(), depth, t.intrinsics(), LoopClosureSettings.defaults().features());
    }

    private static double[][][] pairs(KeyframeFeatures old, KeyframeFeatures now) {
        int[][] m = LoopVerifier.crossCheckedMatches(old, now);
        double[][] o = new double[m.length][], n = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            o[i] = point(old.cameraPoints(), m[i][0]);
            n[i] = point(now.cameraPoints(), m[i][1]);
        }
        return new double[][][] {o, n};
    }

    private static double[] point(float[] xyz, int i) {
        return new double[] {xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]};
    }

    @Test
    void pixelsKeepTheRotationThatDepthErrorsTakeFromA3dFit() {
        FrameTruth old = SCENE.render(100), now = SCENE.render(112);
        double[][][] p = pairs(features(old, 1, 23, 17), features(now, 2, 13, 29));
        assertThat(p[0].length).isGreaterThan(2 * MIN_INLIERS);
        CameraIntrinsics k = now.intrinsics();
        Sim3 truth = Sim3.of(old.worldFromCamera().inverse().compose(now.worldFromCamera()));

        Sim3 measured = LoopPoseMeasurement.oldFromNew(p[0], p[1], k, MIN_INLIERS);

        assertThat(measured).isNotNull();
        double pnpDeg = Rotations.angleBetweenDeg(measured.rotation(), truth.rotation());
        double fitDeg = Rotations.angleBetweenDeg(Umeyama.fit(p[1], p[0], null, true).rotation(), truth.rotation());
        assertThat(pnpDeg).isLessThan(0.6).isLessThan(fitDeg); // measured 0.37 against the 3-D fit's 0.90
        // The new frame's world is at twice the scale, each frame's field moves the depths by up to 15 %.
        assertThat(measured.scale()).isCloseTo(0.5, offset(0.05));
        // The new camera's centre in the old camera (the old frame's units are the scene's, up to its field).
        double[] t = measured.translation(), tt = truth.translation();
        double shift = Math.sqrt(Math.pow(t[0] - tt[0], 2) + Math.pow(t[1] - tt[1], 2) + Math.pow(t[2] - tt[2], 2));
        assertThat(shift).isLessThan(0.05); // 0.033 m of a 0.31 m step: the old frame's depth field moves it
    }

    @Test
    void pairsThatAreNotOnePlaceMeasureNothing() {
        FrameTruth old = SCENE.render(100), now = SCENE.render(106);
        double[][][] p = pairs(features(old, 1, 23, 17), features(now, 1, 23, 17));
        // Each old point paired with another match's new point: the right count of pairs, no common geometry.
        double[][] shuffled = new double[p[1].length][];
        for (int i = 0; i < shuffled.length; i++) shuffled[i] = p[1][(i * 7 + 3) % shuffled.length];

        assertThat(LoopPoseMeasurement.oldFromNew(p[0], p[1], now.intrinsics(), MIN_INLIERS)).isNotNull();
        assertThat(LoopPoseMeasurement.oldFromNew(p[0], shuffled, now.intrinsics(), MIN_INLIERS)).isNull();
    }
}
