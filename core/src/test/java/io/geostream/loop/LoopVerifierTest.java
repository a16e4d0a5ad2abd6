package io.geostream.loop;

import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A loop check on rendered frames: the same place is found with its relative pose and scale, another place is not. */
class LoopVerifierTest {

    private static final SyntheticScene SCENE = new SyntheticScene(new SceneSpec(3, 160, 120, 400, TrajectoryKind.WALK, 0, 30));
    private static final LoopVerifier VERIFIER = new LoopVerifier(LoopClosureSettings.defaults());

    private static KeyframeFeatures features(FrameTruth t, float depthScale) {
        float[] depth = t.depth().clone();
        for (int i = 0; i < depth.length; i++) depth[i] *= depthScale;
        return KeyframeFeatures.detect(t.rgb(), depth, t.intrinsics(), LoopClosureSettings.defaults().features());
    }

    @Test
    void findsTheSamePlaceWithItsRelativePoseAndTheDriftedScale() {
        FrameTruth old = SCENE.render(100), now = SCENE.render(106);
        // The new frame's world has drifted to twice the scale: the loop must measure it.
        LoopVerifier.Match m = VERIFIER.verify(features(old, 1), features(now, 2), now.intrinsics(), 7);
        assertThat(m).isNotNull();
        assertThat(m.inliers()).isGreaterThanOrEqualTo(LoopClosureSettings.defaults().minInliers());
        Sim3 truth = Sim3.of(old.worldFromCamera().inverse().compose(now.worldFromCamera()));
        assertThat(m.oldFromNew().scale()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.02));
        assertThat(Rotations.angleBetweenDeg(m.oldFromNew().rotation(), truth.rotation())).isLessThan(1.0);
        double[] t = m.oldFromNew().translation(), tt = truth.translation();
        double err = Math.sqrt(Math.pow(t[0] - tt[0], 2) + Math.pow(t[1] - tt[1], 2) + Math.pow(t[2] - tt[2], 2));
        assertThat(err).isLessThan(0.03);
    }

    @Test
    void anotherPlaceIsNotALoop() {
        FrameTruth old = SCENE.render(0);
        int refused = 0, tried = 0;
        for (int i = 150; i < 400; i += 50) {
            FrameTruth other = SCENE.render(i);
            double angle = Rotations.angleBetweenDeg(old.worldFromCamera().rotation(), other.worldFromCamera().rotation());
            if (angle < 90) continue; // looking elsewhere: the frames share nothing
            tried++;
            if (VERIFIER.verify(features(old, 1), features(other, 1), other.intrinsics(), i) == null) refused++;
        }
        assertThat(tried).isGreaterThan(0);
        assertThat(refused).isEqualTo(tried);
    }

    @Test
    void featuresLieOnTheFramesOwnGeometry() {
        FrameTruth t = SCENE.render(20);
        KeyframeFeatures f = features(t, 1);
        assertThat(f.count()).isGreaterThan(100);
        var k = t.intrinsics();
        for (int i = 0; i < f.count(); i++) {
            float x = f.cameraPoints()[3 * i], y = f.cameraPoints()[3 * i + 1], z = f.cameraPoints()[3 * i + 2];
            int u = (int) Math.round(k.fx() * x / z + k.cx()), v = (int) Math.round(k.fy() * y / z + k.cy());
            assertThat(z).isEqualTo(t.depth()[v * t.width() + u]);
        }
    }
}
