package io.geostream.model.simulated;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.FocalEstimator;
import io.geostream.geometry.PoseEstimator;
import io.geostream.geometry.PoseFit;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.Umeyama;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SimulatedGeometryModelTest {
    private static final int W = 64;
    private static final int H = 48;
    private static final SceneSpec SPEC = new SceneSpec(11, W, H, 100, TrajectoryKind.HANDHELD, 0.0, 10);
    /** The foundation's model, whose output stays in the first slot's camera frame (no gauge rotation, drift or bias). */
    private static final SimulatedModelSettings CAMERA_FRAME = SimulatedModelSettings.cameraFrameOnly();
    private static final SceneSpec MOVING_SPEC = new SceneSpec(11, W, H, 100, TrajectoryKind.ORBIT, 1.0, 10);

    private static ClipInput clip(SceneSpec spec, String stream, long segment, long clipId, int firstFrame, int length,
                                  int padding) {
        List<ClipInput.Frame> frames = new ArrayList<>();
        for (int i = 0; i < length + padding; i++) {
            int index = Math.min(firstFrame + i, firstFrame + length - 1);
            frames.add(new ClipInput.Frame(index, 0, new byte[W * H * 3], null, i >= length));
        }
        return new ClipInput(stream, segment, clipId, W, H, frames, Map.of(SceneSpec.ATTRIBUTE_KEY, spec.encode()));
    }

    /** The truth's camera-frame point of pixel p: depth * K^-1 [u v 1]. */
    private static double[] cameraPoint(FrameTruth truth, int p) {
        CameraIntrinsics k = truth.intrinsics();
        double d = truth.depth()[p];
        return new double[] {(p % W - k.cx()) / k.fx() * d, (p / W - k.cy()) / k.fy() * d, d};
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Median over pixels of |out| / |truth camera point| for the slot that is the clip's first frame. */
    private static double medianScale(ClipGeometry geometry, FrameTruth firstTruth) {
        float[] out = geometry.frames().get(0).pointMap();
        double[] ratios = new double[W * H];
        for (int p = 0; p < W * H; p++) {
            double[] c = cameraPoint(firstTruth, p);
            double o = Math.sqrt(out[3 * p] * out[3 * p] + out[3 * p + 1] * out[3 * p + 1] + out[3 * p + 2] * out[3 * p + 2]);
            ratios[p] = o / Math.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
        }
        return median(ratios);
    }

    @Test
    void declaresItsIdentity() {
        assertThat(new SimulatedGeometryModel().info()).isEqualTo(new ModelInfo("simulated", "1", true));
    }

    @Test
    void firstSlotIsTheTruthUpToTheClipScale() throws Exception {
        SyntheticScene scene = new SyntheticScene(SPEC);
        FrameTruth truth = scene.render(20);
        ClipGeometry geometry = new SimulatedGeometryModel(CAMERA_FRAME).predict(clip(SPEC, "cam-1", 0, 3, 20, 8, 0));
        assertThat(geometry.frames()).hasSize(8);
        double scale = medianScale(geometry, truth);
        assertThat(scale).isBetween(0.5, 2.0);
        float[] out = geometry.frames().get(0).pointMap();
        double[] relativeErrors = new double[W * H];
        for (int p = 0; p < W * H; p++) {
            double[] c = cameraPoint(truth, p);
            double dx = out[3 * p] - scale * c[0], dy = out[3 * p + 1] - scale * c[1], dz = out[3 * p + 2] - scale * c[2];
            relativeErrors[p] = Math.sqrt(dx * dx + dy * dy + dz * dz) / (scale * c[2]);
        }
        // 1 % noise along the ray: the median error is about 0.7 % of the depth; 2 % outliers barely move it.
        assertThat(median(relativeErrors)).isBetween(0.003, 0.012);
        long outliers = Arrays.stream(relativeErrors).filter(e -> e > 0.06).count();
        assertThat(outliers).isBetween((long) (0.01 * W * H), (long) (0.03 * W * H));
    }

    @Test
    void normalsAreTiltedByAboutThreeDegreesAndConfidenceFollowsTheError() throws Exception {
        FrameTruth truth = new SyntheticScene(SPEC).render(20);
        ClipGeometry.FrameGeometry slot0 = new SimulatedGeometryModel(CAMERA_FRAME).predict(clip(SPEC, "cam-1", 0, 3, 20, 4, 0))
                .frames().get(0);
        double sumSquares = 0;
        for (int p = 0; p < W * H; p++) {
            double dot = 0;
            for (int c = 0; c < 3; c++) dot += slot0.normals()[3 * p + c] * truth.normalsCamera()[3 * p + c];
            double angle = Math.toDegrees(Math.acos(Math.min(1, dot)));
            sumSquares += angle * angle;
        }
        assertThat(Math.sqrt(sumSquares / (W * H))).isBetween(2.5, 3.5);
        double scale = medianScale(new SimulatedGeometryModel(CAMERA_FRAME).predict(clip(SPEC, "cam-1", 0, 3, 20, 4, 0)), truth);
        double goodSum = 0, badSum = 0;
        int good = 0, bad = 0;
        for (int p = 0; p < W * H; p++) {
            float confidence = slot0.confidence()[p];
            assertThat(confidence).isGreaterThan(0).isLessThanOrEqualTo(1);
            double[] c = cameraPoint(truth, p);
            double out = Math.sqrt(slot0.pointMap()[3 * p] * slot0.pointMap()[3 * p] + slot0.pointMap()[3 * p + 1] * slot0.pointMap()[3 * p + 1]
                    + slot0.pointMap()[3 * p + 2] * slot0.pointMap()[3 * p + 2]);
            double error = Math.abs(out / (scale * Math.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2])) - 1);
            if (error < 0.005) {
                goodSum += confidence;
                good++;
            } else if (error > 0.03) {
                badSum += confidence;
                bad++;
            }
        }
        assertThat(goodSum / good).isGreaterThan(badSum / bad + 0.15);
    }

    @Test
    void sameClipGivesIdenticalBytesWhateverCameBefore() throws Exception {
        ClipInput input = clip(SPEC, "cam-1", 2, 5, 30, 6, 2);
        ClipGeometry first = new SimulatedGeometryModel().predict(input);
        SimulatedGeometryModel busy = new SimulatedGeometryModel();
        busy.predict(clip(SPEC, "cam-1", 2, 4, 26, 6, 0));
        busy.predict(clip(MOVING_SPEC, "cam-2", 0, 0, 0, 3, 0));
        ClipGeometry again = busy.predict(input);
        assertThat(again.frames()).hasSize(8);
        for (int i = 0; i < 8; i++) {
            assertThat(again.frames().get(i).pointMap()).isEqualTo(first.frames().get(i).pointMap());
            assertThat(again.frames().get(i).normals()).isEqualTo(first.frames().get(i).normals());
            assertThat(again.frames().get(i).confidence()).isEqualTo(first.frames().get(i).confidence());
        }
    }

    @Test
    void differentClipsGetDifferentGaugesAndNoise() throws Exception {
        SimulatedGeometryModel model = new SimulatedGeometryModel();
        FrameTruth truth = new SyntheticScene(SPEC).render(40);
        double min = Double.MAX_VALUE, max = 0;
        for (long clipId = 0; clipId < 5; clipId++) {
            double scale = medianScale(model.predict(clip(SPEC, "cam-1", 0, clipId, 40, 3, 0)), truth);
            min = Math.min(min, scale);
            max = Math.max(max, scale);
        }
        assertThat(max / min).isGreaterThan(1.1);
        // Overlapping clips 0 (frames 40..47) and 1 (frames 44..51) see frame 44 differently.
        float[] fromFirst = model.predict(clip(SPEC, "cam-1", 0, 0, 40, 8, 0)).frames().get(4).pointMap();
        float[] fromSecond = model.predict(clip(SPEC, "cam-1", 0, 1, 44, 8, 0)).frames().get(0).pointMap();
        assertThat(fromFirst).isNotEqualTo(fromSecond);
        // Stream and segment ids take part too.
        float[] otherStream = model.predict(clip(SPEC, "cam-2", 0, 0, 40, 8, 0)).frames().get(4).pointMap();
        assertThat(otherStream).isNotEqualTo(fromFirst);
    }

    @Test
    void withoutNoiseEverySlotIsAnExactSimilarityOfTheTruth() throws Exception {
        SimulatedModelSettings options = SimulatedModelSettings.defaults().withoutNoise().withGauge(30, 0.5);
        ClipGeometry geometry = new SimulatedGeometryModel(options).predict(clip(SPEC, "cam-9", 1, 7, 10, 5, 1));
        SyntheticScene scene = new SyntheticScene(SPEC);
        RigidTransform firstFromWorld = scene.worldFromCamera(10).inverse();
        Sim3 gauge = null;
        for (int slot = 0; slot < 6; slot++) {
            FrameTruth truth = scene.render(Math.min(10 + slot, 14));
            float[] inFirst = Sim3.of(firstFromWorld).applyToPoints(truth.pointsWorld());
            float[] out = geometry.frames().get(slot).pointMap();
            Sim3 fit = Umeyama.fit(inFirst, out, null, true);
            if (gauge == null) gauge = fit;
            float[] predicted = fit.applyToPoints(inFirst);
            double worst = 0;
            for (int i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(predicted[i] - out[i]));
            assertThat(worst).as("slot %d", slot).isLessThan(2e-4 * fit.scale() * 10);
            // One gauge for the whole clip.
            assertThat(fit.scale()).isCloseTo(gauge.scale(), within(1e-5));
        }
        assertThat(gauge.scale()).isBetween(0.5, 2.0);
        assertThat(Rotations.angleBetweenDeg(gauge.rotation(), new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}))
                .isBetween(0.0, 30.0);
    }

    @Test
    void movingObjectPixelsGetAnExtraDisplacement() throws Exception {
        // No per-pixel noise, only the per-clip displacement of moving pixels (0.1 to 0.2 m).
        SimulatedModelSettings options = new SimulatedModelSettings(true, 0, 0, 0, 0, 0, 0.2, 1L << 20);
        FrameTruth truth = new SyntheticScene(MOVING_SPEC).render(5);
        ClipGeometry geometry = new SimulatedGeometryModel(options).predict(clip(MOVING_SPEC, "cam-3", 0, 0, 5, 2, 0));
        double scale = medianScale(geometry, truth);
        float[] out = geometry.frames().get(0).pointMap();
        int moving = 0;
        for (int p = 0; p < W * H; p++) {
            double[] c = cameraPoint(truth, p);
            double dx = out[3 * p] - scale * c[0], dy = out[3 * p + 1] - scale * c[1], dz = out[3 * p + 2] - scale * c[2];
            double error = Math.sqrt(dx * dx + dy * dy + dz * dz) / scale;
            if (truth.moving()[p]) {
                moving++;
                assertThat(error).isBetween(0.09, 0.21);
            } else {
                assertThat(error).isLessThan(1e-3);
            }
        }
        assertThat(moving).isGreaterThan(50);
    }

    @Test
    void outputSupportsFocalAndPoseRecovery() throws Exception {
        SyntheticScene scene = new SyntheticScene(SPEC);
        ClipGeometry geometry = new SimulatedGeometryModel(CAMERA_FRAME).predict(clip(SPEC, "cam-4", 0, 2, 30, 8, 0));
        double scale = medianScale(geometry, scene.render(30));
        CameraIntrinsics focal = FocalEstimator.estimate(geometry.frames().get(0).pointMap(), W, H);
        assertThat(focal.fx()).isCloseTo(scene.intrinsics().fx(), within(0.01 * scene.intrinsics().fx()));
        // Slot 6's points are in slot 0's camera frame: PnP on them gives slot 6's pose in that frame.
        float[] points = geometry.frames().get(6).pointMap();
        double[][] world = new double[W * H][];
        double[][] pixels = new double[W * H][];
        for (int p = 0; p < W * H; p++) {
            world[p] = new double[] {points[3 * p], points[3 * p + 1], points[3 * p + 2]};
            pixels[p] = new double[] {p % W, p / W};
        }
        PoseFit fit = PoseEstimator.estimate(world, pixels, scene.intrinsics());
        RigidTransform truth = scene.worldFromCamera(30).inverse().compose(scene.worldFromCamera(36));
        double[] c = truth.center();
        double[] expected = {scale * c[0], scale * c[1], scale * c[2]};
        double[] actual = fit.worldFromCamera().center();
        double distance = Math.sqrt(Math.pow(actual[0] - expected[0], 2) + Math.pow(actual[1] - expected[1], 2)
                + Math.pow(actual[2] - expected[2], 2));
        assertThat(distance).isLessThan(0.01 * scale);
        assertThat(Rotations.angleBetweenDeg(fit.worldFromCamera().rotation(), truth.rotation())).isLessThan(0.2);
        assertThat(fit.inliers()).isGreaterThan(W * H * 9 / 10);
    }

    @Test
    void rejectsClipsItCannotServe() {
        SimulatedGeometryModel model = new SimulatedGeometryModel();
        ClipInput good = clip(SPEC, "cam-1", 0, 0, 0, 2, 0);
        ClipInput noSpec = new ClipInput("cam-1", 0, 0, W, H, good.frames(), Map.of());
        ClipInput badSpec = new ClipInput("cam-1", 0, 0, W, H, good.frames(), Map.of(SceneSpec.ATTRIBUTE_KEY, "v1;seed=x"));
        SceneSpec bigger = new SceneSpec(11, 128, 96, 100, TrajectoryKind.HANDHELD, 0, 10);
        ClipInput wrongSize = new ClipInput("cam-1", 0, 0, W, H, good.frames(), Map.of(SceneSpec.ATTRIBUTE_KEY, bigger.encode()));
        ClipInput pastTheEnd = clip(SPEC, "cam-1", 0, 0, 99, 3, 0);
        for (ClipInput input : List.of(noSpec, badSpec, wrongSize, pastTheEnd)) {
            assertThatThrownBy(() -> model.predict(input))
                    .isInstanceOf(ModelException.class)
                    .satisfies(e -> assertThat(((ModelException) e).reason()).isEqualTo(ModelException.Reason.MODEL_INPUT_REJECTED));
        }
    }

    @Test
    void optionsAreValidated() {
        assertThatThrownBy(() -> new SimulatedModelSettings(true, -1, 0, 0.01, 0.02, 3, 0.2, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gaugeRotationMaxDeg");
        assertThatThrownBy(() -> new SimulatedModelSettings(true, 0, 0, 0.01, 1.5, 3, 0.2, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outlierShare");
    }

    @Test
    void defaultGaugeRotatesTheClipFrameAndTheCameraIsStillRecoverable() throws Exception {
        SyntheticScene scene = new SyntheticScene(SPEC);
        ClipGeometry geometry = new SimulatedGeometryModel().predict(clip(SPEC, "cam-5", 0, 1, 30, 8, 0));
        float[] slot0 = geometry.frames().get(0).pointMap();
        io.geostream.geometry.GaugeCameraEstimator.Camera camera =
                io.geostream.geometry.GaugeCameraEstimator.estimate(slot0, W, H, null);
        assertThat(camera.intrinsics().fx()).isCloseTo(scene.intrinsics().fx(), within(0.02 * scene.intrinsics().fx()));
        // Slot 7 drifts by 7 x 0.15 deg against slot 0 on top of the true relative motion: PnP in the clip
        // frame sees the relative rotation off by about 1 degree.
        io.geostream.geometry.GaugeCameraEstimator.Camera seventh = io.geostream.geometry.GaugeCameraEstimator.estimate(
                geometry.frames().get(7).pointMap(), W, H, scene.intrinsics());
        RigidTransform relative = camera.frameFromCamera().inverse().compose(seventh.frameFromCamera());
        RigidTransform truth = scene.worldFromCamera(30).inverse().compose(scene.worldFromCamera(37));
        double angle = Rotations.angleBetweenDeg(relative.rotation(), truth.rotation());
        assertThat(angle).isBetween(0.6, 1.5);
        // A gauge rotation is there: slot 0's frame is not its camera frame.
        assertThat(Rotations.angleBetweenDeg(camera.frameFromCamera().rotation(), new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}))
                .isGreaterThan(1.0);
    }

    @Test
    void aKeyframeFarFromTheClipsViewGetsAnErrorGrowingWithTheViewChange() throws Exception {
        // Slot 0 holds an old frame (a keyframe) ahead of frames 60..66; its error relative to the clip's other
        // frames grows with how far its view is from theirs, and vanishes with viewErrorShare 0.
        SimulatedModelSettings exact = SimulatedModelSettings.defaults().withoutNoise();
        double far = keyframeError(exact.withViewError(0.1), 0);
        double near = keyframeError(exact.withViewError(0.1), 50);
        double none = keyframeError(exact, 0);
        assertThat(none).isLessThan(1e-4);
        assertThat(far).isGreaterThan(3 * near).isGreaterThan(1e-3);
    }

    /** RMS error of slot 0 (frame {@code keyframe}) against the gauge that slots 1.. fit, relative to its mean depth. */
    private static double keyframeError(SimulatedModelSettings options, int keyframe) throws Exception {
        SyntheticScene scene = new SyntheticScene(SPEC);
        List<ClipInput.Frame> frames = new ArrayList<>();
        frames.add(new ClipInput.Frame(keyframe, 0, new byte[W * H * 3], null, false));
        for (int i = 60; i < 67; i++) frames.add(new ClipInput.Frame(i, 0, new byte[W * H * 3], null, false));
        ClipInput clip = new ClipInput("cam-view", 0, 3, W, H, frames, Map.of(SceneSpec.ATTRIBUTE_KEY, SPEC.encode()));
        ClipGeometry geometry = new SimulatedGeometryModel(options).predict(clip);
        // The gauge from slots 1.. (world -> clip output).
        int n = 7 * W * H;
        float[] world = new float[3 * n];
        float[] out = new float[3 * n];
        for (int slot = 1; slot < 8; slot++) {
            System.arraycopy(scene.render(59 + slot).pointsWorld(), 0, world, 3 * (slot - 1) * W * H, 3 * W * H);
            System.arraycopy(geometry.frames().get(slot).pointMap(), 0, out, 3 * (slot - 1) * W * H, 3 * W * H);
        }
        Sim3 gauge = Umeyama.fit(world, out, null, true);
        FrameTruth truth = scene.render(keyframe);
        float[] predicted = gauge.applyToPoints(truth.pointsWorld());
        float[] actual = geometry.frames().get(0).pointMap();
        double sum = 0, depth = 0;
        for (int p = 0; p < W * H; p++) {
            double dx = predicted[3 * p] - actual[3 * p], dy = predicted[3 * p + 1] - actual[3 * p + 1],
                    dz = predicted[3 * p + 2] - actual[3 * p + 2];
            sum += dx * dx + dy * dy + dz * dz;
            depth += gauge.scale() * truth.depth()[p];
        }
        return Math.sqrt(sum / (W * H)) / (depth / (W * H));
    }
}
