package io.geostream.stitch;

import io.geostream.clip.ClipCutterSettings;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.Umeyama;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.records.ClipResult;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.SyntheticPipeline;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The overlap policies: each frame emitted once, in order; blended frames lie between the two predictions. */
class OverlapPolicyTest {
    private static final ClipCutterSettings CLIPS = new ClipCutterSettings(8, 6, 4, 10_000);

    private static List<ClipResult> results(SceneSpec spec, ClipCutterSettings clips) throws Exception {
        return SyntheticPipeline.infer(SyntheticPipeline.clips(SyntheticPipeline.frames("s", spec, true), clips),
                new SimulatedGeometryModel(SimulatedModelSettings.defaults()));
    }

    private static List<StitchEvent> stitch(List<ClipResult> results, OverlapPolicy policy, boolean keyframes) {
        RobustStitcher stitcher = new RobustStitcher(StitcherSettings.defaults().withOverlapPolicy(policy), keyframes);
        StitcherState state = new StitcherState();
        List<StitchEvent> events = new ArrayList<>();
        for (ClipResult r : results) events.addAll(stitcher.process(state, r));
        assertThat(state.heldForBlend).as("nothing left held after the stream").isEmpty();
        return events;
    }

    private static Map<Long, StitchEvent.StitchedFrame> byIndex(List<StitchEvent> events) {
        Map<Long, StitchEvent.StitchedFrame> m = new HashMap<>();
        for (StitchEvent e : events) if (e instanceof StitchEvent.StitchedFrame f) m.put(f.frame().frameIndex, f);
        return m;
    }

    private static List<Long> emittedIndices(List<StitchEvent> events) {
        List<Long> l = new ArrayList<>();
        for (StitchEvent e : events) {
            if (e instanceof StitchEvent.StitchedFrame f) l.add(f.frame().frameIndex);
            if (e instanceof StitchEvent.FrameFailed f) l.add(f.frame().frameIndex);
        }
        return l;
    }

    @Test
    void blendedFrameLiesBetweenTheTwoPredictions() throws Exception {
        SceneSpec spec = new SceneSpec(5, 48, 36, 26, TrajectoryKind.HANDHELD, 0.2, 10);
        List<ClipResult> results = results(spec, CLIPS);
        Map<Long, StitchEvent.StitchedFrame> first = byIndex(stitch(results, OverlapPolicy.FIRST, false));
        Map<Long, StitchEvent.StitchedFrame> blended = byIndex(stitch(results, OverlapPolicy.BLENDED, false));
        int checked = 0, moved = 0;
        for (int k = 1; k < results.size(); k++) {
            ClipResult r = results.get(k);
            if (r.task.isMarker()) continue;
            // This clip's world-from-clip similarity, recovered exactly from a frame it alone emitted.
            int newSlot = r.task.realSlots() - 1;
            long newIndex = r.task.frames[newSlot].frameIndex;
            Sim3 worldFromClip = Umeyama.fit(r.pointMaps[newSlot], first.get(newIndex).worldPoints(), null, true);
            // Its first slots are the previous clip's overlap frames: blended from both predictions.
            for (int slot = 0; slot < CLIPS.overlap(); slot++) {
                long index = r.task.frames[slot].frameIndex;
                float[] p1 = first.get(index).worldPoints();
                float[] p2 = worldFromClip.applyToPoints(r.pointMaps[slot]);
                float[] pb = blended.get(index).worldPoints();
                for (int i = 0; i < pb.length; i++) {
                    if (!Float.isFinite(p1[i]) || !Float.isFinite(p2[i])) continue;
                    double lo = Math.min(p1[i], p2[i]), hi = Math.max(p1[i], p2[i]);
                    double tol = 1e-4 * (1 + Math.abs(hi));
                    assertThat((double) pb[i]).as("frame %d value %d", index, i).isBetween(lo - tol, hi + tol);
                    if (Math.abs(pb[i] - p1[i]) > 1e-3 * (1 + Math.abs(p1[i]))) moved++;
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(1000);
        assertThat(moved).as("the second prediction counts").isGreaterThan(checked / 2);
        // Frames only one clip holds are the same under both policies.
        assertThat(blended.get(2L).worldPoints()).containsExactly(first.get(2L).worldPoints());
    }

    @Test
    void everyFrameIsEmittedOnceInOrderAndTheEndFlushesHeldFrames() throws Exception {
        // 8 + 6 x 4 frames: the last clip is full and not the segment's end, so an end-of-stream marker
        // follows it and must release the frames held for a next clip that never comes.
        int n = 32;
        SceneSpec spec = new SceneSpec(7, 48, 36, n, TrajectoryKind.ORBIT, 0.0, 10);
        for (boolean keyframes : new boolean[] {false, true}) {
            ClipCutterSettings clips = keyframes ? new ClipCutterSettings(9, 6, 4, 10_000, 1) : CLIPS;
            List<ClipResult> results = results(spec, clips);
            if (!keyframes) assertThat(results.get(results.size() - 1).task.isMarker()).isTrue();
            for (OverlapPolicy policy : OverlapPolicy.values()) {
                List<StitchEvent> events = stitch(results, policy, keyframes);
                assertThat(emittedIndices(events)).as("%s keyframes=%s", policy, keyframes)
                        .containsExactlyElementsOf(LongStream.range(0, n).boxed().toList());
                assertThat(events.get(events.size() - 1)).isInstanceOf(StitchEvent.SegmentEnded.class);
            }
        }
    }

    @Test
    void aFailedClipReleasesTheHeldFramesFirst() throws Exception {
        SceneSpec spec = new SceneSpec(9, 48, 36, 40, TrajectoryKind.ORBIT, 0.0, 10);
        List<ClipResult> results = results(spec, CLIPS);
        ClipResult failed = results.get(2);
        failed.pointMaps = null;
        failed.normals = null;
        failed.confidence = null;
        failed.failureReason = "MODEL_TIMEOUT";
        failed.failureDetail = "test";
        List<StitchEvent> events = stitch(results, OverlapPolicy.BLENDED, false);
        // Frames 12..13 (held from clip 1) are stitched, 14..17 failed, 18..19 come again with clip 3.
        assertThat(emittedIndices(events)).containsExactlyElementsOf(LongStream.range(0, 40).boxed().toList());
        Map<Long, StitchEvent.StitchedFrame> stitched = byIndex(events);
        assertThat(stitched).containsKeys(12L, 13L, 18L).doesNotContainKeys(14L, 17L);
    }

    @Test
    void policyNamesParse() {
        assertThat(OverlapPolicy.parse(" Blended ")).isEqualTo(OverlapPolicy.BLENDED);
        assertThat(OverlapPolicy.parse("first")).isEqualTo(OverlapPolicy.FIRST);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OverlapPolicy.parse("last"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("first, blended");
    }
}
