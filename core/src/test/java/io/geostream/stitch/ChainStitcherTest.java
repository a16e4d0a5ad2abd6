package io.geostream.stitch;

import io.geostream.avro.IntrinsicsSource;
import io.geostream.avro.SegmentReason;
import io.geostream.clip.ClipCutterSettings;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.Umeyama;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.records.ClipResult;
import io.geostream.records.FrameRecord;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.SyntheticPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/**
 * The clip chain itself ({@link ChainStitcher}), with a test aligner that fits exactly and whose fit a test
 * can replace per clip: emission order and ownership, the segment's world frame, tracking loss, failed
 * clips, segment ends, and pose recovery on exact geometry.
 *
 * <p>Clips of 8 frames with stride 6 over 48x36 frames: clip c holds frames 6c .. 6c + 7 and hands frames
 * 6c + 6 and 6c + 7 to the next clip as anchors.
 */
class ChainStitcherTest {

    private static final String STREAM = "cam";
    private static final String METHOD = "test-chain";
    private static final ClipCutterSettings CLIPS = new ClipCutterSettings(8, 6, 4, 10_000);
    private static final StitcherSettings CONFIG = StitcherSettings.defaults();
    /** Exact geometry up to a random per-clip gauge (rotation, translation, scale). */
    private static final SimulatedModelSettings EXACT = SimulatedModelSettings.defaults().withoutNoise();
    /** The default error model: two clips predict a shared frame differently. */
    private static final SimulatedModelSettings NOISY = SimulatedModelSettings.defaults();

    /**
     * An unweighted Umeyama fit on the anchor grid points (exact on noise-free clips), recording what the chain
     * hands it and what it returns; {@link #override} replaces the fit of one clip (by its clip id).
     */
    static final class TestAligner implements OverlapAligner {
        final Map<Long, UnaryOperator<Fit>> overrides = new HashMap<>();
        /** Clip id -> the frame indices of the anchors the chain handed over, in order. */
        final Map<Long, List<Long>> anchorsSeen = new LinkedHashMap<>();
        /** Clip id -> the fit returned to the chain. */
        final Map<Long, Fit> returned = new HashMap<>();

        TestAligner override(long clipId, UnaryOperator<Fit> change) {
            overrides.put(clipId, change);
            return this;
        }

        @Override
        public Fit fit(List<AnchorFrame> anchors, ClipResult r, ChainStitcher.Grid grid) {
            long clip = r.task.clipId;
            anchorsSeen.put(clip, anchors.stream().map(a -> a.frameIndex).toList());
            Fit fit = overrides.getOrDefault(clip, UnaryOperator.identity()).apply(umeyama(anchors, r, grid));
            returned.put(clip, fit);
            return fit;
        }

        private static Fit umeyama(List<AnchorFrame> anchors, ClipResult r, ChainStitcher.Grid grid) {
            List<double[]> src = new ArrayList<>(), dst = new ArrayList<>();
            List<Double> depth = new ArrayList<>();
            for (AnchorFrame a : anchors) {
                int slot = OverlapAligner.slotOf(r, a.frameIndex);
                if (slot < 0) continue;
                float[] local = grid.sample(r.pointMaps[slot]);
                for (int c = 0; c < grid.cells(); c++) {
                    double[] p = {local[3 * c], local[3 * c + 1], local[3 * c + 2]};
                    double[] q = {a.gridPoints[3 * c], a.gridPoints[3 * c + 1], a.gridPoints[3 * c + 2]};
                    if (finite(p) && finite(q)) {
                        src.add(p);
                        dst.add(q);
                        depth.add(distance(q, a.cameraCenter));
                    }
                }
            }
            if (src.size() < 6) return null;
            double[][] s = src.toArray(new double[0][]), d = dst.toArray(new double[0][]);
            Sim3 sim = Umeyama.fit(s, d, null);
            double[] sorted = depth.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double median = sorted[sorted.length / 2];
            double sum = 0;
            int inliers = 0;
            for (int i = 0; i < s.length; i++) {
                double e = distance(sim.apply(s[i]), d[i]);
                sum += e * e;
                if (e < CONFIG.inlierThreshold() * median) inliers++;
            }
            return new Fit(sim, s.length, Math.sqrt(sum / s.length) / median, (double) inliers / s.length);
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static SceneSpec scene(int frames) {
        return new SceneSpec(11, 48, 36, frames, TrajectoryKind.ORBIT, 0.0, 10);
    }

    private static List<ClipResult> simulate(SceneSpec spec, SimulatedModelSettings model, boolean giveIntrinsics) throws Exception {
        return SyntheticPipeline.infer(SyntheticPipeline.clips(SyntheticPipeline.frames(STREAM, spec, giveIntrinsics), CLIPS),
                new SimulatedGeometryModel(model));
    }

    private static ChainStitcher chain(StitcherSettings config, TestAligner aligner) {
        return new ChainStitcher(config, aligner, METHOD);
    }

    private static List<StitchEvent> run(ChainStitcher chain, StitcherState state, List<ClipResult> results) {
        List<StitchEvent> events = new ArrayList<>();
        for (ClipResult r : results) events.addAll(chain.process(state, r));
        return events;
    }

    /** What the inference operator hands on for a clip whose inference failed. */
    private static void failClip(ClipResult r, String reason) {
        r.pointMaps = null;
        r.normals = null;
        r.confidence = null;
        r.failureReason = reason;
        r.failureDetail = "injected by the test";
    }

    private static ClipResult clip(List<ClipResult> results, long clipId) {
        return results.stream().filter(r -> r.task.clipId == clipId).findFirst().orElseThrow();
    }

    private static List<StitchEvent.StitchedFrame> stitched(List<StitchEvent> events) {
        List<StitchEvent.StitchedFrame> out = new ArrayList<>();
        for (StitchEvent e : events) if (e instanceof StitchEvent.StitchedFrame f) out.add(f);
        return out;
    }

    private static StitchEvent.StitchedFrame frame(List<StitchEvent> events, long index) {
        return stitched(events).stream().filter(f -> f.frame().frameIndex == index).findFirst().orElseThrow();
    }

    private static List<Long> indices(List<? extends StitchEvent> events) {
        List<Long> out = new ArrayList<>();
        for (StitchEvent e : events) {
            if (e instanceof StitchEvent.StitchedFrame f) out.add(f.frame().frameIndex);
            if (e instanceof StitchEvent.FrameFailed f) out.add(f.frame().frameIndex);
        }
        return out;
    }

    private static List<Long> range(long from, long to) {
        return LongStream.range(from, to).boxed().toList();
    }

    private static <T> List<T> ofType(List<StitchEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /**
     * Segment events alternate (started, then ended, ids 0, 1, 2, ...) and every frame event lies inside the
     * segment it names; frames failed while no segment is open are allowed.
     */
    private static void assertFramedBySegments(List<StitchEvent> events) {
        Long open = null;
        long nextId = 0;
        for (StitchEvent e : events) {
            if (e instanceof StitchEvent.SegmentStarted s) {
                assertThat(open).as("started %s while segment %s is open", s, open).isNull();
                assertThat(s.segmentId()).isEqualTo(nextId);
                open = s.segmentId();
            } else if (e instanceof StitchEvent.SegmentEnded s) {
                assertThat(open).as("ended %s without a started segment", s).isEqualTo(s.segmentId());
                open = null;
                nextId = s.segmentId() + 1;
            } else if (e instanceof StitchEvent.StitchedFrame f) {
                assertThat(open).as("frame %d outside its segment", f.frame().frameIndex).isEqualTo(f.segmentId());
            }
        }
    }

    private static void assertIdentity(RigidTransform pose) {
        assertThat(pose.rotation()).containsExactly(1, 0, 0, 0, 1, 0, 0, 0, 1);
        assertThat(pose.translation()).containsExactly(0, 0, 0);
    }

    private static boolean finite(double[] p) {
        return Double.isFinite(p[0]) && Double.isFinite(p[1]) && Double.isFinite(p[2]);
    }

    private static double distance(double[] a, double[] b) {
        double x = a[0] - b[0], y = a[1] - b[1], z = a[2] - b[2];
        return Math.sqrt(x * x + y * y + z * z);
    }

    // ------------------------------------------------------------------------------------------ (a) emission

    @ParameterizedTest
    @EnumSource(OverlapPolicy.class)
    void everyFrameIsEmittedOnceInIndexOrderByTheFirstClipThatHoldsIt(OverlapPolicy policy) throws Exception {
        // 26 frames: clips 0..3 hold 0-7, 6-13, 12-19, 18-25; an end-of-stream marker follows.
        List<ClipResult> results = simulate(scene(26), NOISY, true);
        assertThat(results).extracting(r -> r.task.clipId).containsExactly(0L, 1L, 2L, 3L, -1L);
        TestAligner aligner = new TestAligner();
        List<StitchEvent> events = run(chain(CONFIG.withOverlapPolicy(policy), aligner), new StitcherState(), results);

        assertThat(ofType(events, StitchEvent.FrameFailed.class)).isEmpty();
        assertThat(indices(events)).containsExactlyElementsOf(range(0, 26));
        for (StitchEvent.StitchedFrame f : stitched(events)) {
            long first = results.stream().filter(r -> Arrays.stream(r.task.frames).anyMatch(x -> x.frameIndex == f.frame().frameIndex))
                    .findFirst().orElseThrow().task.clipId;
            assertThat(f.clipId()).as("clip of frame %d", f.frame().frameIndex).isEqualTo(first);
            assertThat(f.segmentId()).isZero();
            assertThat(f.method()).isEqualTo(f.clipId() == 0 ? ChainStitcher.METHOD_ANCHOR : METHOD);
        }
        // Each clip is fitted on exactly the frames it shares with the previous clip.
        assertThat(aligner.anchorsSeen).containsExactly(Map.entry(1L, List.of(6L, 7L)), Map.entry(2L, List.of(12L, 13L)),
                Map.entry(3L, List.of(18L, 19L)));
        assertFramedBySegments(events);
    }

    @Test
    void aSharedFrameKeepsTheGeometryOfItsFirstClip() throws Exception {
        List<ClipResult> results = simulate(scene(26), NOISY, true);
        TestAligner aligner = new TestAligner();
        List<StitchEvent> events = run(chain(CONFIG, aligner), new StitcherState(), results);
        ClipResult clip1 = clip(results, 1), clip2 = clip(results, 2);
        Sim3 world1 = aligner.returned.get(1L).sim(), world2 = aligner.returned.get(2L).sim();

        // A frame only clip 1 holds is its prediction mapped by the fitted similarity.
        assertThat(frame(events, 8).worldPoints()).containsExactly(world1.applyToPoints(clip1.pointMaps[2]));
        // Frame 12 is clip 1's slot 6 and clip 2's slot 0: emitted once, from clip 1's prediction.
        float[] emitted = frame(events, 12).worldPoints();
        assertThat(emitted).containsExactly(world1.applyToPoints(clip1.pointMaps[6]));
        assertThat(emitted).isNotEqualTo(world2.applyToPoints(clip2.pointMaps[0]));
        // Its fit statistics are clip 1's.
        StitchEvent.StitchedFrame f12 = frame(events, 12);
        assertThat(f12.overlapPoints()).isEqualTo(aligner.returned.get(1L).count()).isPositive();
        assertThat(f12.residualRms()).isEqualTo(aligner.returned.get(1L).residual());
        assertThat(f12.inlierShare()).isEqualTo(aligner.returned.get(1L).inlierShare());
        assertThat(f12.clipScale()).isEqualTo(world1.scale());
    }

    // ------------------------------------------------------------------------------------------ (b) world frame

    @Test
    void theSegmentsWorldFrameIsTheCameraFrameOfItsFirstFrame() throws Exception {
        SceneSpec spec = scene(14);
        List<ClipResult> results = simulate(spec, EXACT, true);
        List<StitchEvent> events = run(chain(CONFIG, new TestAligner()), new StitcherState(), results);

        assertThat(events.get(0)).isEqualTo(new StitchEvent.SegmentStarted(STREAM, 0, results.get(0).task.frames[0].captureTimeMicros,
                SegmentReason.STREAM_START, 0, results.get(0).task.frames[0].captureTimeMicros));
        assertThat(events.get(1)).isInstanceOf(StitchEvent.StitchedFrame.class);
        StitchEvent.StitchedFrame first = (StitchEvent.StitchedFrame) events.get(1);
        assertThat(first.frame().frameIndex).isZero();
        assertIdentity(first.worldFromCamera());
        assertThat(first.method()).isEqualTo(ChainStitcher.METHOD_ANCHOR);
        assertThat(first.overlapPoints()).isZero();
        assertThat(first.intrinsicsSource()).isEqualTo(IntrinsicsSource.GIVEN);

        // Although the clip came in a random gauge, the world points of the first frame are in its camera frame:
        // they project onto their own pixels, and the camera-frame depth is their z.
        CameraIntrinsics k = first.intrinsics();
        float[] p = first.worldPoints();
        int w = first.width(), checked = 0;
        for (int i = 0; i < first.depth().length; i++) {
            if (!Float.isFinite(p[3 * i + 2])) continue;
            assertThat(p[3 * i + 2]).isPositive();
            assertThat(k.fx() * p[3 * i] / p[3 * i + 2] + k.cx()).as("u of pixel %d", i).isCloseTo(i % w, offset(1e-2));
            assertThat(k.fy() * p[3 * i + 1] / p[3 * i + 2] + k.cy()).as("v of pixel %d", i).isCloseTo(i / w, offset(1e-2));
            assertThat(first.depth()[i]).isCloseTo(p[3 * i + 2], offset(1e-6f * p[3 * i + 2]));
            checked++;
        }
        assertThat(checked).isEqualTo(48 * 36);
        // The other frames' poses are relative to it: not the identity.
        assertThat(frame(events, 1).worldFromCamera().center()[0] != 0 || frame(events, 1).worldFromCamera().center()[2] != 0).isTrue();
    }

    // ------------------------------------------------------------------------------------------ (c) tracking

    @Test
    void aFitThatFindsNoOverlapEndsTheSegmentAndTheClipOpensANewOne() throws Exception {
        List<ClipResult> results = simulate(scene(20), EXACT, true); // clips 0-7, 6-13, 12-19, marker
        TestAligner aligner = new TestAligner().override(1, fit -> null);
        StitcherState state = new StitcherState();
        List<StitchEvent> events = run(chain(CONFIG, aligner), state, results);

        List<StitchEvent.SegmentEnded> ends = ofType(events, StitchEvent.SegmentEnded.class);
        List<StitchEvent.SegmentStarted> starts = ofType(events, StitchEvent.SegmentStarted.class);
        assertThat(ends).hasSize(2);
        assertThat(starts).hasSize(2);
        StitchEvent.SegmentEnded lost = ends.get(0);
        assertThat(lost.segmentId()).isZero();
        assertThat(lost.reason()).isEqualTo(SegmentReason.TRACKING_LOST);
        assertThat(lost.detail()).contains("no usable overlap");
        assertThat(lost.firstFrameIndex()).isZero();
        assertThat(lost.lastFrameIndex()).isEqualTo(7);
        assertThat(lost.frameCount()).isEqualTo(8);
        // Clip 1 opens segment 1 at its first frame clip 0 did not emit, in its own camera frame.
        StitchEvent.SegmentStarted reopened = starts.get(1);
        assertThat(reopened.segmentId()).isEqualTo(1);
        assertThat(reopened.reason()).isEqualTo(SegmentReason.TRACKING_LOST);
        assertThat(reopened.firstFrameIndex()).isEqualTo(8);
        assertThat(events.indexOf(reopened)).isEqualTo(events.indexOf(lost) + 1);
        assertThat(events.get(events.indexOf(reopened) + 1)).isSameAs(frame(events, 8));
        assertIdentity(frame(events, 8).worldFromCamera());
        for (long i = 8; i <= 13; i++) {
            assertThat(frame(events, i).segmentId()).isEqualTo(1);
            assertThat(frame(events, i).method()).isEqualTo(ChainStitcher.METHOD_ANCHOR);
        }
        // The chain goes on in the new segment: clip 2 is fitted on clip 1's anchors.
        assertThat(aligner.anchorsSeen.get(2L)).containsExactly(12L, 13L);
        assertThat(frame(events, 14).method()).isEqualTo(METHOD);
        assertThat(frame(events, 14).segmentId()).isEqualTo(1);
        assertThat(indices(events)).containsExactlyElementsOf(range(0, 20));
        assertThat(ends.get(1).firstFrameIndex()).isEqualTo(8);
        assertThat(ends.get(1).frameCount()).isEqualTo(12);
        assertThat(state.segmentId).isEqualTo(2);
        assertFramedBySegments(events);
    }

    enum OutOfBounds {
        RESIDUAL(CONFIG.maxResidual() * 1.001, 1.0),
        INLIER_SHARE(0.0, CONFIG.minInlierShare() * 0.999);

        final double residual, inlierShare;

        OutOfBounds(double residual, double inlierShare) {
            this.residual = residual;
            this.inlierShare = inlierShare;
        }
    }

    @ParameterizedTest
    @EnumSource(OutOfBounds.class)
    void aFitBeyondTheTrackingBoundsEndsTheSegmentAndTheClipOpensANewOne(OutOfBounds bounds) throws Exception {
        List<ClipResult> results = simulate(scene(20), EXACT, true);
        TestAligner aligner = new TestAligner()
                .override(2, fit -> new OverlapAligner.Fit(fit.sim(), fit.count(), bounds.residual, bounds.inlierShare));
        List<StitchEvent> events = run(chain(CONFIG, aligner), new StitcherState(), results);

        List<StitchEvent.SegmentEnded> ends = ofType(events, StitchEvent.SegmentEnded.class);
        List<StitchEvent.SegmentStarted> starts = ofType(events, StitchEvent.SegmentStarted.class);
        assertThat(ends).extracting(StitchEvent.SegmentEnded::reason)
                .containsExactly(SegmentReason.TRACKING_LOST, SegmentReason.END_OF_STREAM);
        assertThat(ends.get(0).detail()).contains("residual", "inlier share");
        assertThat(ends.get(0).lastFrameIndex()).isEqualTo(13);
        assertThat(starts).extracting(StitchEvent.SegmentStarted::segmentId, StitchEvent.SegmentStarted::reason,
                        StitchEvent.SegmentStarted::firstFrameIndex)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, SegmentReason.STREAM_START, 0L),
                        org.assertj.core.groups.Tuple.tuple(1L, SegmentReason.TRACKING_LOST, 14L));
        assertIdentity(frame(events, 14).worldFromCamera());
        assertThat(frame(events, 14).method()).isEqualTo(ChainStitcher.METHOD_ANCHOR);
        assertThat(frame(events, 14).overlapPoints()).isZero();
        assertThat(frame(events, 13).segmentId()).isZero();
        assertThat(frame(events, 19).segmentId()).isEqualTo(1);
        assertThat(indices(events)).containsExactlyElementsOf(range(0, 20));
        assertFramedBySegments(events);
    }

    @Test
    void aFitExactlyAtTheTrackingBoundsKeepsTheSegment() throws Exception {
        List<ClipResult> results = simulate(scene(20), EXACT, true);
        TestAligner aligner = new TestAligner().override(2,
                fit -> new OverlapAligner.Fit(fit.sim(), 123, CONFIG.maxResidual(), CONFIG.minInlierShare()));
        List<StitchEvent> events = run(chain(CONFIG, aligner), new StitcherState(), results);

        assertThat(ofType(events, StitchEvent.SegmentStarted.class)).hasSize(1);
        assertThat(ofType(events, StitchEvent.SegmentEnded.class)).extracting(StitchEvent.SegmentEnded::reason)
                .containsExactly(SegmentReason.END_OF_STREAM);
        // The fit's figures travel with the frames of its clip.
        StitchEvent.StitchedFrame f = frame(events, 14);
        assertThat(f.method()).isEqualTo(METHOD);
        assertThat(f.overlapPoints()).isEqualTo(123);
        assertThat(f.residualRms()).isEqualTo(CONFIG.maxResidual());
        assertThat(f.inlierShare()).isEqualTo(CONFIG.minInlierShare());
    }

    // ------------------------------------------------------------------------------------------ (d) failed clips

    @Test
    void aFailedClipDeadLettersWhatNoLaterClipHoldsAndHoldsTheRestForTheNextClip() throws Exception {
        List<ClipResult> results = simulate(scene(26), EXACT, true); // clips 0-7, 6-13, 12-19, 18-25, marker
        failClip(clip(results, 2), "MODEL_TIMEOUT");
        ChainStitcher chain = chain(CONFIG, new TestAligner());
        StitcherState state = new StitcherState();
        List<StitchEvent> before = new ArrayList<>();
        for (int i = 0; i < 2; i++) before.addAll(chain.process(state, results.get(i)));
        assertThat(indices(before)).containsExactlyElementsOf(range(0, 14));

        List<StitchEvent> failed = chain.process(state, results.get(2));
        // 12 and 13 were emitted by clip 1; 14..17 are lost; 18 and 19 wait for clip 3.
        assertThat(failed).hasSize(5);
        for (int i = 0; i < 4; i++) {
            StitchEvent.FrameFailed f = (StitchEvent.FrameFailed) failed.get(i);
            assertThat(f.frame().frameIndex).isEqualTo(14 + i);
            assertThat(f.reasonCode()).isEqualTo("MODEL_TIMEOUT");
            assertThat(f.detail()).isEqualTo("injected by the test");
        }
        StitchEvent.SegmentEnded end = (StitchEvent.SegmentEnded) failed.get(4);
        assertThat(end.segmentId()).isZero();
        assertThat(end.reason()).isEqualTo(SegmentReason.INFERENCE_FAILED);
        assertThat(end.detail()).contains("clip 2", "MODEL_TIMEOUT");
        assertThat(end.lastFrameIndex()).isEqualTo(17);
        assertThat(state.segmentOpen).isFalse();
        assertThat(state.heldAfterFailure).extracting(f -> f.frameIndex).containsExactly(18L, 19L);
        assertThat(state.heldAfterFailure).allSatisfy(f -> assertThat(f.rgb).isNull());

        // Clip 3 holds 18 and 19 again: they get geometry in a new segment that starts with them.
        List<StitchEvent> after = chain.process(state, results.get(3));
        assertThat(state.heldAfterFailure).isEmpty();
        assertThat(after.get(0)).isInstanceOf(StitchEvent.SegmentStarted.class);
        StitchEvent.SegmentStarted start = (StitchEvent.SegmentStarted) after.get(0);
        assertThat(start.segmentId()).isEqualTo(1);
        assertThat(start.reason()).isEqualTo(SegmentReason.INFERENCE_FAILED);
        assertThat(start.firstFrameIndex()).isEqualTo(18);
        assertThat(indices(after)).containsExactlyElementsOf(range(18, 26));
        assertThat(ofType(after, StitchEvent.FrameFailed.class)).isEmpty();
        assertIdentity(frame(after, 18).worldFromCamera());

        List<StitchEvent> all = new ArrayList<>(before);
        all.addAll(failed);
        all.addAll(after);
        all.addAll(chain.process(state, results.get(4)));
        assertThat(indices(all)).containsExactlyElementsOf(range(0, 26));
        assertFramedBySegments(all);
    }

    @Test
    void framesHeldAfterAFailureAreFailedWhenTheSegmentEndsWithoutAnotherClip() throws Exception {
        List<ClipResult> results = simulate(scene(20), EXACT, true); // clips 0-7, 6-13, 12-19, marker
        assertThat(results.get(3).task.isMarker()).isTrue();
        failClip(clip(results, 2), "MODEL_ERROR");
        ChainStitcher chain = chain(CONFIG, new TestAligner());
        StitcherState state = new StitcherState();
        for (int i = 0; i < 3; i++) chain.process(state, results.get(i));
        assertThat(state.heldAfterFailure).extracting(f -> f.frameIndex).containsExactly(18L, 19L);

        List<StitchEvent> atEnd = chain.process(state, results.get(3));
        assertThat(atEnd).hasSize(2).allSatisfy(e -> {
            StitchEvent.FrameFailed f = (StitchEvent.FrameFailed) e;
            assertThat(f.reasonCode()).isEqualTo("MODEL_ERROR");
            assertThat(f.detail()).isEqualTo("injected by the test");
        });
        assertThat(indices(atEnd)).containsExactly(18L, 19L);
        assertThat(state.heldAfterFailure).isEmpty();
        assertThat(state.lastHandledFrameIndex).isEqualTo(19);
    }

    @Test
    void aFailedLastClipDeadLettersAllItsNewRealFramesOnce() throws Exception {
        // 23 frames: clip 3 holds 18..22 and three padding slots repeating 22, and ends the segment.
        List<ClipResult> results = simulate(scene(23), EXACT, true);
        ClipResult last = results.get(results.size() - 1);
        assertThat(last.task.endsSegment).isTrue();
        assertThat(last.task.paddingSlots).isEqualTo(3);
        failClip(last, "MODEL_TIMEOUT");
        StitcherState state = new StitcherState();
        List<StitchEvent> events = run(chain(CONFIG, new TestAligner()), state, results);

        assertThat(ofType(events, StitchEvent.FrameFailed.class)).extracting(f -> f.frame().frameIndex)
                .containsExactly(20L, 21L, 22L);
        assertThat(indices(events)).containsExactlyElementsOf(range(0, 23));
        assertThat(ofType(events, StitchEvent.SegmentEnded.class)).extracting(StitchEvent.SegmentEnded::reason)
                .containsExactly(SegmentReason.INFERENCE_FAILED);
        assertThat(state.heldAfterFailure).isEmpty();
        assertThat(state.pendingStartReason).isNull();
        assertFramedBySegments(events);
    }

    @Test
    void aFailedFirstClipOpensNoSegmentAndTheNextClipStartsOne() throws Exception {
        List<ClipResult> results = simulate(scene(20), EXACT, true);
        failClip(clip(results, 0), "MODEL_TIMEOUT");
        TestAligner aligner = new TestAligner();
        List<StitchEvent> events = run(chain(CONFIG, aligner), new StitcherState(), results);

        assertThat(events.subList(0, 6)).extracting(e -> ((StitchEvent.FrameFailed) e).frame().frameIndex)
                .containsExactlyElementsOf(range(0, 6));
        StitchEvent.SegmentStarted start = (StitchEvent.SegmentStarted) events.get(6);
        assertThat(start.segmentId()).isZero();
        assertThat(start.reason()).isEqualTo(SegmentReason.INFERENCE_FAILED);
        assertThat(start.firstFrameIndex()).isEqualTo(6);
        assertIdentity(frame(events, 6).worldFromCamera());
        assertThat(aligner.anchorsSeen).containsOnlyKeys(2L); // clip 1 opened the segment without a fit
        assertThat(indices(events)).containsExactlyElementsOf(range(0, 20));
        assertFramedBySegments(events);
    }

    // ------------------------------------------------------------------------------------------ (e) segment ends

    @Test
    void aClipThatEndsTheSegmentEndsItWithTheTasksReason() throws Exception {
        List<ClipResult> results = simulate(scene(23), EXACT, true);
        ClipResult last = results.get(results.size() - 1);
        assertThat(last.task.endsSegment).isTrue();
        last.task.endReason = SegmentReason.STREAM_IDLE;
        last.task.endDetail = "idle in the test";
        List<StitchEvent> events = run(chain(CONFIG, new TestAligner()), new StitcherState(), results);

        FrameRecord f22 = last.task.frames[4];
        assertThat(f22.frameIndex).isEqualTo(22);
        assertThat(events.get(events.size() - 1)).isEqualTo(new StitchEvent.SegmentEnded(STREAM, 0, results.get(0).task.frames[0].captureTimeMicros, SegmentReason.STREAM_IDLE,
                "idle in the test", 0, 22, 23, f22.captureTimeMicros));
        assertThat(ofType(events, StitchEvent.SegmentEnded.class)).hasSize(1);
        assertThat(indices(events)).containsExactlyElementsOf(range(0, 23));
    }

    /** The stream of {@link #simulate} with every capture time {@code shiftMicros} later (the camera coming back later). */
    private static List<ClipResult> simulateLater(SceneSpec spec, long shiftMicros) throws Exception {
        List<FrameRecord> frames = SyntheticPipeline.frames(STREAM, spec, true);
        for (FrameRecord f : frames) f.captureTimeMicros += shiftMicros;
        return SyntheticPipeline.infer(SyntheticPipeline.clips(frames, CLIPS), new SimulatedGeometryModel(EXACT));
    }

    /** Every event of a segment carries its identity: segment id and the capture time of its first frame. */
    private static void assertIdentity(List<StitchEvent> events, long segmentId, long startMicros) {
        assertThat(events).isNotEmpty().allSatisfy(e -> {
            if (e instanceof StitchEvent.SegmentStarted s) {
                assertThat(s.segmentId()).isEqualTo(segmentId);
                assertThat(s.segmentStartMicros()).isEqualTo(startMicros).isEqualTo(s.timeMicros());
            } else if (e instanceof StitchEvent.SegmentEnded s) {
                assertThat(s.segmentId()).isEqualTo(segmentId);
                assertThat(s.segmentStartMicros()).isEqualTo(startMicros);
            } else if (e instanceof StitchEvent.StitchedFrame f) {
                assertThat(f.segmentId()).isEqualTo(segmentId);
                assertThat(f.segmentStartMicros()).isEqualTo(startMicros);
            }
        });
    }

    @Test
    void aSegmentsIdentityIsItsFirstFramesCaptureTimeSoAComebackWithIdZeroIsANewSegment() throws Exception {
        long hour = 3_600_000_000L;
        List<ClipResult> first = simulate(scene(20), EXACT, true);
        List<ClipResult> later = simulateLater(scene(20), hour);
        long firstStart = first.get(0).task.frames[0].captureTimeMicros;
        long laterStart = later.get(0).task.frames[0].captureTimeMicros;
        assertThat(laterStart).isEqualTo(firstStart + hour);
        ChainStitcher chain = chain(CONFIG, new TestAligner());

        // The same state goes on after an end-of-stream marker: the next segment gets the next id and its own start.
        StitcherState kept = new StitcherState();
        List<StitchEvent> run1 = run(chain, kept, first);
        assertIdentity(run1, 0, firstStart);
        assertThat(kept.segmentOpen).isFalse();
        assertThat(kept.segmentStartMicros).isEqualTo(-1);
        assertIdentity(run(chain, kept, later), 1, laterStart);

        // A released state (end-of-stream marker or idle TTL: the stitch operator starts afresh) counts from 0 again:
        // the id repeats, the identity does not.
        List<StitchEvent> comeback = run(chain, new StitcherState(), later);
        assertIdentity(comeback, 0, laterStart);
        assertThat(indices(comeback)).containsExactlyElementsOf(range(0, 20));

        // Deterministic: the same input gives the same identity (a replay from a checkpoint), whatever the wall clock.
        assertIdentity(run(chain, new StitcherState(), first), 0, firstStart);
    }

    @Test
    void aMarkerThatEndsTheSegmentEndsItWithTheTasksReason() throws Exception {
        List<ClipResult> results = simulate(scene(20), EXACT, true);
        ClipResult marker = results.get(results.size() - 1);
        assertThat(marker.task.isMarker()).isTrue();
        marker.task.endReason = SegmentReason.FRAME_GAP;
        marker.task.endDetail = null;
        ChainStitcher chain = chain(CONFIG, new TestAligner());
        StitcherState state = new StitcherState();
        run(chain, state, results.subList(0, results.size() - 1));

        List<StitchEvent> atEnd = chain.process(state, marker);
        long lastTime = results.get(2).task.frames[7].captureTimeMicros;
        assertThat(atEnd).containsExactly(new StitchEvent.SegmentEnded(STREAM, 0, results.get(0).task.frames[0].captureTimeMicros, SegmentReason.FRAME_GAP, "", 0, 19, 20, lastTime));
        assertThat(state.segmentOpen).isFalse();
        assertThat(state.segmentId).isEqualTo(1);
        assertThat(state.anchors).isEmpty();
    }

    @Test
    void aStreamThatStartsOverAfterItsEndOpensANewSegmentFromItsFirstFrame() throws Exception {
        List<ClipResult> run1 = simulate(scene(14), EXACT, true);
        List<ClipResult> run2 = simulate(scene(14), EXACT, true); // frame indices from 0 again
        ChainStitcher chain = chain(CONFIG, new TestAligner());
        StitcherState state = new StitcherState();
        List<StitchEvent> events = run(chain, state, run1);
        events.addAll(run(chain, state, run2));

        List<Long> expected = new ArrayList<>(range(0, 14));
        expected.addAll(range(0, 14));
        assertThat(indices(events)).containsExactlyElementsOf(expected);
        assertThat(ofType(events, StitchEvent.SegmentStarted.class)).extracting(StitchEvent.SegmentStarted::segmentId,
                        StitchEvent.SegmentStarted::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, SegmentReason.STREAM_START),
                        org.assertj.core.groups.Tuple.tuple(1L, SegmentReason.STREAM_START));
        assertFramedBySegments(events);
    }

    // ------------------------------------------------------------------------------------------ (f) truth

    @Test
    void exactClipsRecoverTheTruePosesAndDepthsUpToEachSegmentsSimilarity() throws Exception {
        // 26 frames, tracking forced lost at clip 2: segment 0 holds frames 0..13, segment 1 frames 14..25.
        SceneSpec spec = scene(26);
        SyntheticScene scene = new SyntheticScene(spec);
        for (boolean giveIntrinsics : new boolean[] {true, false}) {
            List<ClipResult> results = simulate(spec, EXACT, giveIntrinsics);
            TestAligner aligner = new TestAligner().override(2, fit -> null);
            List<StitchEvent> events = run(chain(CONFIG, aligner), new StitcherState(), results);
            assertThat(indices(events)).containsExactlyElementsOf(range(0, 26));
            assertSegmentMatchesTruth(scene, events, 0, 0, 13, giveIntrinsics);
            assertSegmentMatchesTruth(scene, events, 1, 14, 25, giveIntrinsics);
        }
    }

    private static void assertSegmentMatchesTruth(SyntheticScene scene, List<StitchEvent> events, long segment, int from, int to,
                                                  boolean giveIntrinsics) {
        RigidTransform firstFromWorld = scene.worldFromCamera(from).inverse();
        // The segment's scale: its first frame's depth against the true depth.
        StitchEvent.StitchedFrame first = frame(events, from);
        double scale = medianRatio(first.depth(), scene.render(from).depth());
        assertThat(scale).isBetween(0.3, 3.0);
        double pathLength = 0;
        for (int i = from + 1; i <= to; i++) {
            pathLength += distance(scene.worldFromCamera(i).center(), scene.worldFromCamera(i - 1).center());
        }
        assertThat(pathLength).isPositive();
        for (int i = from; i <= to; i++) {
            StitchEvent.StitchedFrame f = frame(events, i);
            String what = "frame " + i + " intrinsics given=" + giveIntrinsics;
            assertThat(f.segmentId()).as(what).isEqualTo(segment);
            RigidTransform truth = firstFromWorld.compose(scene.worldFromCamera(i)); // first camera from camera i
            assertThat(Rotations.angleBetweenDeg(f.worldFromCamera().rotation(), truth.rotation())).as(what).isLessThan(0.05);
            double[] c = truth.center();
            double[] expected = {scale * c[0], scale * c[1], scale * c[2]};
            assertThat(distance(f.worldFromCamera().center(), expected)).as(what).isLessThan(1e-3 * scale * pathLength);
            FrameTruth t = scene.render(i);
            float[] depth = f.depth();
            double worst = 0;
            for (int p = 0; p < depth.length; p++) {
                double relative = Math.abs(depth[p] - scale * t.depth()[p]) / (scale * t.depth()[p]);
                worst = Double.isNaN(relative) ? Double.POSITIVE_INFINITY : Math.max(worst, relative);
            }
            assertThat(worst).as("%s: worst relative depth error", what).isLessThan(1e-3);
        }
    }

    private static double medianRatio(float[] estimated, float[] truth) {
        double[] ratios = new double[estimated.length];
        for (int i = 0; i < ratios.length; i++) ratios[i] = estimated[i] / truth[i];
        Arrays.sort(ratios);
        return ratios[ratios.length / 2];
    }
}
