package io.geostream.eval;

import io.geostream.eval.ModelEvaluation.EvalClip;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The held-out clips' truth: first-frame coordinates, normals in the same frame, sizes, and the TUM resampling. */
class ModelEvaluationTest {
    private static final int W = 48, H = 36, T = 5;

    private static ClipGeometry asPrediction(EvalClip clip) {
        List<ClipGeometry.FrameGeometry> frames = new ArrayList<>();
        for (int f = 0; f < clip.frames(); f++) {
            frames.add(new ClipGeometry.FrameGeometry(clip.points().get(f), clip.normals().get(f), null));
        }
        return new ClipGeometry(clip.width(), clip.height(), frames);
    }

    private static double angleDeg(float[] a, float[] b, int p) {
        double dot = a[p] * b[p] + a[p + 1] * b[p + 1] + a[p + 2] * b[p + 2];
        return Math.toDegrees(Math.acos(Math.max(-1, Math.min(1, dot))));
    }

    @Test
    void syntheticClipsAreOrbitClipsSpreadOverOneLapInTheFirstFramesCamera() {
        assertThat(ModelEvaluation.syntheticStarts(9, 2, 10)).containsExactly(0, 120);
        assertThat(ModelEvaluation.syntheticStarts(9, 3, 10)).containsExactly(0, 80, 160);
        assertThat(ModelEvaluation.syntheticStarts(9, 100, 10)).containsExactly(
                java.util.stream.IntStream.range(0, 100).map(k -> 9 * k).boxed().toArray(Integer[]::new)); // never overlap
        List<EvalClip> clips = ModelEvaluation.synthetic(3, W, H, T, 2, 10);
        assertThat(clips).extracting(EvalClip::id).containsExactly("seed3-clip0", "seed3-clip1");
        EvalClip clip = clips.get(1);
        assertThat(clip.firstFrame()).isEqualTo(120);
        assertThat(clip.input().length()).isEqualTo(T);
        assertThat(clip.input().width()).isEqualTo(W);
        assertThat(clip.input().frames().get(0).frameIndex()).isEqualTo(120);
        SyntheticScene scene = new SyntheticScene(new SceneSpec(3, W, H, 200, TrajectoryKind.ORBIT, 0.0, 10));
        assertThat(clip.intrinsics()).isEqualTo(scene.intrinsics());
        CameraIntrinsics k = scene.intrinsics();

        // Frame 0 is the reference camera: its points are the camera-frame points, its normals the camera-frame normals.
        FrameTruth first = scene.render(120);
        assertThat(clip.centres().get(0)).containsExactly(new double[] {0, 0, 0}, within(1e-9));
        float[] camera0 = GeometryBaselines.backProject(k, first.depth());
        for (int i = 0; i < camera0.length; i++) {
            assertThat((double) clip.points().get(0)[i]).isCloseTo(camera0[i], within(1e-4));
            assertThat((double) clip.normals().get(0)[i]).isCloseTo(first.normalsCamera()[i], within(1e-5));
        }
        // Later frames: the camera moved; each point lies at its depth along its pixel's ray from that frame's centre,
        // and the normals turned with the points (they agree with the normals of the point grid itself).
        int last = T - 1;
        FrameTruth lastTruth = scene.render(120 + last);
        double[] c = clip.centres().get(last);
        assertThat(Math.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2])).isGreaterThan(0.1);
        float[] pts = clip.points().get(last);
        for (int v = 0; v < H; v++) {
            for (int u = 0; u < W; u++) {
                int p = v * W + u;
                double rx = (u - k.cx()) / k.fx(), ry = (v - k.cy()) / k.fy();
                double expected = lastTruth.depth()[p] * Math.sqrt(rx * rx + ry * ry + 1);
                double dx = pts[3 * p] - c[0], dy = pts[3 * p + 1] - c[1], dz = pts[3 * p + 2] - c[2];
                assertThat(Math.sqrt(dx * dx + dy * dy + dz * dz)).isCloseTo(expected, within(1e-4 * expected));
            }
        }
        float[] gridNormals = TumSequence.cameraNormals(pts, W, H);
        double[] angles = new double[W * H];
        for (int p = 0; p < W * H; p++) angles[p] = angleDeg(gridNormals, clip.normals().get(last), 3 * p);
        Arrays.sort(angles);
        assertThat(angles[angles.length / 2]).isLessThan(1.0);
        // Its normals are not its own camera-frame normals: the camera turned (walls turn with the yaw; the floor's
        // normal, on the yaw axis, barely does).
        double[] turned = new double[W * H];
        for (int p = 0; p < W * H; p++) turned[p] = angleDeg(lastTruth.normalsCamera(), clip.normals().get(last), 3 * p);
        assertThat(Arrays.stream(turned).max().orElseThrow()).isGreaterThan(2.0);

        // The truth itself, as a model's output, scores 0; the same views at another size stay the same views.
        ClipGeometryAccuracy.Scores s = ModelEvaluation.score(clip, asPrediction(clip));
        assertThat(s.absRel()).isLessThan(1e-6);
        assertThat(s.absRelZ()).isLessThan(1e-6);
        assertThat(s.pointsRel()).isLessThan(1e-5);
        assertThat(s.normalMedianDeg()).isLessThan(0.01);
        EvalClip small = ModelEvaluation.synthetic(3, 24, 18, T, 2, 10).get(1);
        assertThat(small.centres().get(last)).containsExactly(c, within(1e-9));
    }

    @Test
    void aLargerInputSeesTheSameViewsAsTheTruth() {
        // The model's input 4x larger each way, the truth as before: same truth, frames and intrinsics that map onto
        // the truth's by the resize's half-pixel convention, and pixels whose area average is the small render's.
        EvalClip small = ModelEvaluation.synthetic(3, W, H, T, 2, 10).get(1);
        EvalClip large = ModelEvaluation.synthetic(3, W, H, T, 2, 10, 4).get(1);
        assertThat(large.width()).isEqualTo(W);
        assertThat(large.input().width()).isEqualTo(4 * W);
        assertThat(large.input().height()).isEqualTo(4 * H);
        assertThat(large.points().get(2)).containsExactly(small.points().get(2));
        ClipInput.Frame f = large.input().frames().get(2);
        assertThat(f.rgb()).hasSize(4 * W * 4 * H * 3);
        CameraIntrinsics mapped = f.intrinsics().scaledTo(W, H);
        assertThat(new double[] {mapped.fx(), mapped.fy(), mapped.cx(), mapped.cy()}).containsExactly(
                new double[] {small.intrinsics().fx(), small.intrinsics().fy(), small.intrinsics().cx(), small.intrinsics().cy()},
                within(1e-9));
        byte[] shrunk = io.geostream.model.ImageResize.resizeRgb(f.rgb(), 4 * W, 4 * H, W, H);
        byte[] direct = small.input().frames().get(2).rgb();
        double diff = 0;
        for (int i = 0; i < direct.length; i++) diff += Math.abs((shrunk[i] & 0xFF) - (direct[i] & 0xFF));
        assertThat(diff / direct.length).as("mean absolute difference of the shrunk large render from the small one").isLessThan(20);
        // Against the same view of another scene (seed 4), the difference is far larger.
        byte[] other = ModelEvaluation.synthetic(4, W, H, T, 2, 10).get(1).input().frames().get(2).rgb();
        double apart = 0;
        for (int i = 0; i < direct.length; i++) apart += Math.abs((shrunk[i] & 0xFF) - (other[i] & 0xFF));
        assertThat(apart / direct.length).as("negative control: another scene").isGreaterThan(2 * diff / direct.length);
        assertThatThrownBy(() -> ModelEvaluation.synthetic(3, W, H, T, 1, 10, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPredictionOfAnotherSizeOrLengthIsAnErrorNotASkip() {
        EvalClip clip = ModelEvaluation.synthetic(1, W, H, T, 1, 10).get(0);
        ClipGeometry half = ModelEvaluation.synthetic(1, W / 2, H / 2, T, 1, 10).stream().map(ModelEvaluationTest::asPrediction)
                .findFirst().orElseThrow();
        assertThatThrownBy(() -> ModelEvaluation.score(clip, half)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the prediction is 24x18 but the truth is 48x36");
        ClipGeometry shorter = new ClipGeometry(W, H, asPrediction(clip).frames().subList(0, T - 1));
        assertThatThrownBy(() -> ModelEvaluation.score(clip, shorter)).hasMessageContaining("has 4 frames, the clip 5");
        assertThatThrownBy(() -> ModelEvaluation.score(clip, GeometryBaselines.plane(new CameraIntrinsics(20, 20, 11.5, 8.5, 24, 18))))
                .hasMessageContaining("the baseline is 24x18 but the truth is 48x36");
    }

    @Test
    void nearestDepthTakesTheSourcePixelWhoseAreaHoldsTheModelPixelsCentre() {
        float[] src = new float[8 * 6];
        for (int i = 0; i < src.length; i++) src[i] = i;
        float[] half = ModelEvaluation.nearestDepth(src, 8, 6, 4, 3);
        // Model pixel x samples source (x + 0.5) * 2 - 0.5 = 2x + 0.5: the nearest source pixel is 2x + 1.
        assertThat(half).containsExactly(9, 11, 13, 15, 25, 27, 29, 31, 41, 43, 45, 47);
        assertThat(ModelEvaluation.nearestDepth(src, 8, 6, 8, 6)).containsExactly(src);
        float[] up = ModelEvaluation.nearestDepth(new float[] {1, 2}, 2, 1, 4, 1);
        assertThat(up).containsExactly(1, 1, 2, 2);
    }

    @Test
    void evenStartsSpreadClipsOverASequence() {
        assertThat(ModelEvaluation.evenStarts(9, 9, 2)).containsExactly(0);
        assertThat(ModelEvaluation.evenStarts(30, 9, 1)).containsExactly(0);
        assertThat(ModelEvaluation.evenStarts(30, 9, 4)).containsExactly(0, 7, 14, 21);
        assertThatThrownBy(() -> ModelEvaluation.evenStarts(8, 9, 1)).hasMessageContaining("8 frames, a clip needs 9");
    }

    @Test
    void tumClipsOfASceneCopyHaveTheScenesTruthAtFullAndAtHalfSize(@TempDir Path dir) throws Exception {
        SyntheticScene scene = new SyntheticScene(new SceneSpec(5, W, H, 12, TrajectoryKind.ORBIT, 0.0, 10));
        TumSequenceTest.writeTum(scene, dir);
        CameraIntrinsics k = scene.intrinsics();
        TumSequence sequence = TumSequence.open(dir, k.fx(), k.fy(), k.cx(), k.cy(), 0, 1);
        List<EvalClip> clips = ModelEvaluation.tum(sequence, W, H, T, 2);
        assertThat(clips).extracting(EvalClip::firstFrame).containsExactly(0, 7);
        EvalClip clip = clips.get(1);
        assertThat(clip.input().width()).isEqualTo(W);
        RigidTransform firstFromWorld = scene.worldFromCamera(7).inverse();
        for (int f = 0; f < T; f++) {
            float[] expected = ModelEvaluation.transformPoints(firstFromWorld, scene.render(7 + f).pointsWorld());
            float[] got = clip.points().get(f);
            for (int i = 0; i < expected.length; i += 5) {
                assertThat((double) got[i]).isCloseTo(expected[i], within(2e-3)); // 16-bit depth at 5000 per metre
            }
            assertThat(clip.centres().get(f)).containsExactly(firstFromWorld.apply(scene.worldFromCamera(7 + f).center()),
                    within(1e-5));
        }
        // At half size: the source pixel (2u + 1, 2v + 1)'s depth on the half-size camera's ray of (u, v).
        EvalClip half = ModelEvaluation.tum(sequence, W / 2, H / 2, T, 2).get(1);
        CameraIntrinsics kh = k.scaledTo(W / 2, H / 2);
        assertThat(half.intrinsics()).isEqualTo(kh);
        assertThat(half.input().width()).isEqualTo(W); // the model gets the frames as recorded and resizes them itself
        float[] depth = scene.render(7).depth();
        for (int v = 0; v < H / 2; v++) {
            for (int u = 0; u < W / 2; u++) {
                double z = depth[(2 * v + 1) * W + 2 * u + 1];
                int p = 3 * (v * (W / 2) + u);
                assertThat((double) half.points().get(0)[p + 2]).isCloseTo(z, within(2e-3));
                assertThat((double) half.points().get(0)[p]).isCloseTo((u - kh.cx()) / kh.fx() * half.points().get(0)[p + 2],
                        within(1e-5));
            }
        }
        ClipGeometryAccuracy.Scores s = ModelEvaluation.score(half, asPrediction(half));
        assertThat(s.absRel()).isLessThan(1e-6);
    }
}
