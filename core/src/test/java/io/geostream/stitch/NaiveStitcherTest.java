package io.geostream.stitch;

import io.geostream.avro.IntrinsicsSource;
import io.geostream.avro.SegmentReason;
import io.geostream.clip.ClipCutterSettings;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.TrajectoryMetrics;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.records.ClipResult;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.SyntheticPipeline;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The naive stitcher on the simulated model. These figures measure stitching, not any model's accuracy.
 */
class NaiveStitcherTest {

    private static final ClipCutterSettings CLIPS = new ClipCutterSettings(8, 6, 4, 10_000);
    private static final int N = 40;

    private record Run(List<StitchEvent> events, List<StitchEvent.StitchedFrame> frames) {}

    private static Run run(SceneSpec spec, SimulatedModelSettings options, boolean giveIntrinsics, int failClip) throws Exception {
        List<ClipResult> results = SyntheticPipeline.infer(
                SyntheticPipeline.clips(SyntheticPipeline.frames("s", spec, giveIntrinsics), CLIPS),
                new SimulatedGeometryModel(options));
        NaiveStitcher stitcher = new NaiveStitcher(StitcherSettings.defaults());
        StitcherState state = new StitcherState();
        List<StitchEvent> events = new ArrayList<>();
        for (ClipResult r : results) {
            if (r.task.clipId == failClip) {
                r.pointMaps = null;
                r.normals = null;
                r.confidence = null;
                r.failureReason = "MODEL_TIMEOUT";
                r.failureDetail = "test";
            }
            events.addAll(stitcher.process(state, r));
        }
        List<StitchEvent.StitchedFrame> frames = new ArrayList<>();
        for (StitchEvent e : events) if (e instanceof StitchEvent.StitchedFrame f) frames.add(f);
        return new Run(events, frames);
    }

    private static double ateOverLength(SceneSpec spec, List<StitchEvent.StitchedFrame> frames) {
        SyntheticScene scene = new SyntheticScene(spec);
        double[][] est = new double[frames.size()][];
        double[][] truth = new double[frames.size()][];
        for (int i = 0; i < frames.size(); i++) {
            est[i] = frames.get(i).worldFromCamera().center();
            truth[i] = scene.worldFromCamera((int) frames.get(i).frame().frameIndex).center();
        }
        return TrajectoryMetrics.ate(est, truth).rmseOverPathLength();
    }

    @Test
    void noiseFreeClipsStitchExactly() throws Exception {
        SceneSpec spec = new SceneSpec(3, 64, 48, N, TrajectoryKind.ORBIT, 0.0, 10);
        Run run = run(spec, SimulatedModelSettings.defaults().withoutNoise(), true, -1);
        assertThat(run.frames()).extracting(f -> f.frame().frameIndex).containsExactlyElementsOf(
                java.util.stream.LongStream.range(0, N).boxed().toList());
        assertThat(ateOverLength(spec, run.frames())).isLessThan(1e-4);
        // The world frame is the first frame's camera.
        StitchEvent.StitchedFrame first = run.frames().get(0);
        assertThat(first.worldFromCamera().center()).containsExactly(new double[] {0, 0, 0}, org.assertj.core.data.Offset.offset(1e-9));
        // Camera-frame depth of the first frame equals the model's z (identity pose).
        assertThat(first.intrinsicsSource()).isEqualTo(IntrinsicsSource.GIVEN);
    }

    @Test
    void noisyClipsStayCloseToTheTruthWithAndWithoutIntrinsics() throws Exception {
        for (boolean given : new boolean[] {true, false}) {
            for (TrajectoryKind kind : TrajectoryKind.values()) {
                SceneSpec spec = new SceneSpec(7, 64, 48, N, kind, 0.0, 10);
                Run run = run(spec, SimulatedModelSettings.defaults(), given, -1);
                assertThat(run.frames()).hasSize(N);
                double rel = ateOverLength(spec, run.frames());
                assertThat(rel).as("ATE/length %s intrinsics given=%s", kind, given).isLessThan(0.03);
                assertThat(run.frames().get(0).intrinsicsSource()).isEqualTo(given ? IntrinsicsSource.GIVEN : IntrinsicsSource.ESTIMATED);
                for (StitchEvent.StitchedFrame f : run.frames()) {
                    double[] q = Rotations.toQuaternion(f.worldFromCamera().rotation());
                    assertThat(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
                    if (f.clipId() > 0 && f.overlapPoints() > 0) {
                        assertThat(f.inlierShare()).isGreaterThan(0.5);
                    }
                }
            }
        }
    }

    @Test
    void segmentEventsFrameTheOutput() throws Exception {
        SceneSpec spec = new SceneSpec(3, 64, 48, N, TrajectoryKind.WALK, 0.0, 10);
        Run run = run(spec, SimulatedModelSettings.defaults(), true, -1);
        assertThat(run.events().get(0)).isInstanceOf(StitchEvent.SegmentStarted.class);
        StitchEvent last = run.events().get(run.events().size() - 1);
        assertThat(last).isInstanceOf(StitchEvent.SegmentEnded.class);
        StitchEvent.SegmentEnded end = (StitchEvent.SegmentEnded) last;
        assertThat(end.reason()).isEqualTo(SegmentReason.END_OF_STREAM);
        assertThat(end.frameCount()).isEqualTo(N);
        assertThat(end.lastFrameIndex()).isEqualTo(N - 1);
    }

    @Test
    void aFailedClipDeadLettersOnlyTheFramesNoOtherClipHoldsAndStartsANewSegment() throws Exception {
        SceneSpec spec = new SceneSpec(3, 64, 48, N, TrajectoryKind.ORBIT, 0.0, 10);
        // Clip 2 holds frames 12..19; clip 3 holds 18..25, so 18 and 19 can still get geometry.
        Run run = run(spec, SimulatedModelSettings.defaults(), true, 2);
        List<Long> failed = new ArrayList<>();
        List<StitchEvent.SegmentStarted> starts = new ArrayList<>();
        List<StitchEvent.SegmentEnded> ends = new ArrayList<>();
        for (StitchEvent e : run.events()) {
            if (e instanceof StitchEvent.FrameFailed f) {
                failed.add(f.frame().frameIndex);
                assertThat(f.reasonCode()).isEqualTo("MODEL_TIMEOUT");
            }
            if (e instanceof StitchEvent.SegmentStarted s) starts.add(s);
            if (e instanceof StitchEvent.SegmentEnded s) ends.add(s);
        }
        assertThat(failed).containsExactly(14L, 15L, 16L, 17L);
        assertThat(run.frames()).hasSize(N - 4);
        assertThat(starts).hasSize(2);
        assertThat(starts.get(1).reason()).isEqualTo(SegmentReason.INFERENCE_FAILED);
        assertThat(starts.get(1).firstFrameIndex()).isEqualTo(18);
        assertThat(ends.get(0).reason()).isEqualTo(SegmentReason.INFERENCE_FAILED);
        assertThat(ends.get(0).lastFrameIndex()).isEqualTo(17);
        // The new segment's world frame is its first frame's camera.
        StitchEvent.StitchedFrame f18 = run.frames().stream().filter(f -> f.frame().frameIndex == 18).findFirst().orElseThrow();
        assertThat(f18.segmentId()).isEqualTo(1);
        assertThat(f18.worldFromCamera().center()).containsExactly(new double[] {0, 0, 0}, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void framesAFailedLastClipLeftToANextClipThatNeverCameAreDeadLettered() throws Exception {
        // 8 frames: clip 0 holds 0..7 and announces the next clip at 6, but the stream ends there (a marker).
        SceneSpec spec = new SceneSpec(4, 64, 48, 8, TrajectoryKind.ORBIT, 0.0, 10);
        Run run = run(spec, SimulatedModelSettings.defaults(), true, 0);
        List<Long> failed = new ArrayList<>();
        for (StitchEvent e : run.events()) {
            if (e instanceof StitchEvent.FrameFailed f) failed.add(f.frame().frameIndex);
        }
        assertThat(run.frames()).isEmpty();
        assertThat(failed).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
    }
}
