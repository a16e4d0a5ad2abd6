package io.geostream.operators.loop;

import io.geostream.avro.SegmentCorrection;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.avro.SegmentReason;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.loop.LoopClosureSettings;
import io.geostream.loop.LoopCorrection;
import io.geostream.loop.SegmentCorrectionRecords;
import io.geostream.records.LoopFrame;
import io.geostream.records.OutputRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The loop-closure operator on a walk that laps its room (one lap is about 670 frames at 30 fps): the frames are the
 * scene's true depth and RGB, their published poses the truth with a drift that grows along the path (as a stitched
 * chain's does), so that only a loop can take it out. Every second frame is fed (keyframes are every 8th frame index
 * either way), rendered once for all tests.
 */
class LoopClosureFunctionTest {
    private static final String STREAM = "cam-7";
    private static final long SEGMENT_START = 1_700_000_000_000_000L;
    private static final SceneSpec SCENE = new SceneSpec(1, 160, 120, 760, TrajectoryKind.WALK, 0, 30);
    /** Drift per frame: rotation about the vertical (rad) and translation (m); about 6 deg and 0.4 m at the lap. */
    private static final double DRIFT_ANGLE = Math.toRadians(6) / 670, DRIFT_STEP = 0.4 / 670;

    private static final List<LoopFrame> FRAMES = new ArrayList<>();
    private static final List<RigidTransform> TRUTH = new ArrayList<>();

    @BeforeAll
    static void render() {
        SyntheticScene scene = new SyntheticScene(SCENE);
        for (int i = 0; i < SCENE.frames(); i += 2) {
            FrameTruth t = scene.render(i);
            TRUTH.add(t.worldFromCamera());
            FRAMES.add(frame(t, drift(i).transformPose(t.worldFromCamera())));
        }
    }

    /** The published world's drift at frame i: a rotation about the scene's vertical axis and a sideways shift. */
    private static Sim3 drift(int i) {
        return new Sim3(1, Rotations.axisAngle(new double[] {0, 0, 1}, DRIFT_ANGLE * i),
                new double[] {DRIFT_STEP * i, 0.5 * DRIFT_STEP * i, 0});
    }

    private static LoopFrame frame(FrameTruth t, RigidTransform published) {
        LoopFrame f = new LoopFrame();
        f.streamId = STREAM;
        f.segmentId = 0;
        f.segmentStartMicros = SEGMENT_START;
        f.frameIndex = t.frameIndex();
        f.captureTimeMicros = t.captureTimeMicros();
        f.ingestTimeMillis = System.currentTimeMillis();
        f.worldFromCamera = LoopFrame.poseArray(published);
        f.intrinsics = new double[] {t.intrinsics().fx(), t.intrinsics().fy(), t.intrinsics().cx(), t.intrinsics().cy()};
        f.width = t.width();
        f.height = t.height();
        f.depth = t.depth();
        f.rgb = t.rgb();
        f.modelId = "simulated";
        f.modelVersion = "1";
        return f;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, LoopFrame, OutputRecord> harness(LoopClosureSettings settings)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new LoopClosureFunction(settings)),
                f -> f.streamId, Types.STRING);
    }

    private static List<OutputRecord> feed(KeyedOneInputStreamOperatorTestHarness<String, LoopFrame, OutputRecord> h, int from, int to)
            throws Exception {
        int before = h.extractOutputValues().size();
        for (int i = from; i < to; i++) h.processElement(new StreamRecord<>(FRAMES.get(i)));
        List<OutputRecord> all = h.extractOutputValues();
        return new ArrayList<>(all.subList(before, all.size()));
    }

    @Test
    void aLapClosesALoopAndItsCorrectionTakesOutTheDrift() throws Exception {
        try (var h = harness(LoopClosureSettings.defaults())) {
            h.open();
            List<OutputRecord> out = feed(h, 0, FRAMES.size());
            assertThat(out).as("corrections").isNotEmpty();
            SingleObjectCodec<SegmentCorrection> codec = SingleObjectCodec.segmentCorrections();
            int version = 0;
            for (OutputRecord o : out) {
                assertThat(o.kind).isEqualTo(OutputRecord.Kind.CORRECTION);
                assertThat(new String(o.key, StandardCharsets.UTF_8)).isEqualTo(STREAM + "/" + SEGMENT_START + "/0");
                SegmentCorrection r = codec.decode(o.value);
                assertThat(r.getVersion()).isEqualTo(++version);
                assertThat(r.getLoopNewFrameIndex() - r.getLoopOldFrameIndex()).isGreaterThanOrEqualTo(150);
            }
            SegmentCorrection latest = codec.decode(out.get(out.size() - 1).value);
            LoopCorrection c = SegmentCorrectionRecords.fromRecord(latest);
            // The frames near the loop: their published centres are off by the drift; corrected, they are near the truth.
            int n = 0;
            double publishedError = 0, correctedError = 0;
            for (int i = 0; i < FRAMES.size(); i++) {
                LoopFrame f = FRAMES.get(i);
                if (f.frameIndex < latest.getLoopNewFrameIndex() - 40 || f.frameIndex > latest.getLoopNewFrameIndex()) continue;
                RigidTransform published = f.publishedPose();
                publishedError += distance(published.center(), TRUTH.get(i).center());
                correctedError += distance(c.correctPose(f.frameIndex, published).center(), TRUTH.get(i).center());
                n++;
            }
            assertThat(n).isPositive();
            System.err.printf(Locale.ROOT, "loop closed at frame %d with %d (%d inliers): mean centre error %.3f m published, %.3f m corrected%n",
                    latest.getLoopNewFrameIndex(), latest.getLoopOldFrameIndex(), latest.getLoopInliers(), publishedError / n, correctedError / n);
            assertThat(correctedError).isLessThan(0.3 * publishedError);
        }
    }

    @Test
    void aRestoredOperatorEmitsWhatAnUninterruptedOneDoes() throws Exception {
        List<OutputRecord> straight;
        try (var h = harness(LoopClosureSettings.defaults())) {
            h.open();
            straight = feed(h, 0, FRAMES.size());
        }
        assertThat(straight).hasSizeGreaterThanOrEqualTo(2);
        // Frame 402 (mid-way, between keyframes, before any loop), and just after the first correction: the snapshot then
        // holds a kept loop, whose edge the later loops must solve with exactly as the uninterrupted run did.
        int firstCorrectionAt;
        try (var h = harness(LoopClosureSettings.defaults())) {
            h.open();
            firstCorrectionAt = 0;
            while (feed(h, firstCorrectionAt, firstCorrectionAt + 1).isEmpty()) firstCorrectionAt++;
        }
        for (int cut : new int[] {201, firstCorrectionAt + 3}) {
            OperatorSubtaskState snapshot;
            List<OutputRecord> before;
            try (var h = harness(LoopClosureSettings.defaults())) {
                h.open();
                before = feed(h, 0, cut);
                snapshot = h.snapshot(1L, 1L);
            }
            assertThat(before).hasSize(cut == 201 ? 0 : 1);
            try (var h = harness(LoopClosureSettings.defaults())) {
                h.initializeState(snapshot);
                h.open();
                List<OutputRecord> all = new ArrayList<>(before);
                all.addAll(feed(h, cut, FRAMES.size()));
                assertThat(all).as("cut at %d", cut).hasSameSizeAs(straight);
                for (int i = 0; i < straight.size(); i++) {
                    assertThat(all.get(i).key).isEqualTo(straight.get(i).key);
                    assertThat(all.get(i).value).as("correction %d, cut at %d", i, cut).isEqualTo(straight.get(i).value);
                }
            }
        }
    }

    /**
     * The state's size as checkpointed (heap backend) and after a release: nothing. With a window of 2 keyframes and 16
     * settled ones kept, nothing grows past them however many keyframes come. Prints {@code keyframes=.. state_bytes=..}.
     */
    @Test
    void stateIsBoundedByTheWindowAndTheSettledKeyframesAndReleasedAtTheEnd() throws Exception {
        LoopClosureSettings small = LoopClosureSettings.defaults().withMinFrameGap(8).withMaxKeyframes(2).withMaxSettledKeyframes(16);
        try (var h = harness(small)) {
            h.open();
            feed(h, 0, 80); // frames 0..158: 20 keyframes, 2 in the window, 16 settled
            long twenty = keyedBytes(h.snapshot(1L, 1L));
            long t0 = System.nanoTime();
            feed(h, 80, 360); // frames 160..718: 70 keyframes more
            double msPerKeyframe = (System.nanoTime() - t0) / 1e6 / 70;
            long ninety = keyedBytes(h.snapshot(2L, 2L));
            System.err.printf(Locale.ROOT, "keyframes=20 state_bytes=%d; keyframes=90 state_bytes=%d; %.1f ms per keyframe"
                    + " (all in)%n", twenty, ninety, msPerKeyframe);
            // Two keyframes' features (up to ~30 KB each, they vary with the view), the window's poses and 16 settled
            // corrections: the same bound after 20 keyframes as after 90.
            long bound = 2L * 30_000 + 2L * 1_000 + 16L * 200;
            assertThat(twenty).isBetween(2L * 5_000, bound);
            assertThat(ninety).isBetween(2L * 5_000, bound);

            h.processElement(new StreamRecord<>(LoopFrame.release(STREAM)));
            assertThat(h.numKeyedStateEntries()).isZero();
            long released = keyedBytes(h.snapshot(3L, 3L));
            try (var empty = harness(small)) {
                empty.open();
                assertThat(released).as("a released stream's state: the states' metadata only").isEqualTo(keyedBytes(empty.snapshot(1L, 1L)));
            }
        }
    }

    /**
     * After a break (tracking lost at frame 238) the newest keyframes stay, bounded (5 here), through a checkpoint and
     * a restore; the next segment, published in a world of its own (scale 0.6, turned, shifted) and stepping back over
     * the same places, is re-localised once its second keyframe's match agrees with its first's: a correction of the new
     * segment into segment 0's world.
     * Then the kept keyframes are gone; a new segment in another room uses its 3 tries and they are gone too.
     */
    @Test
    void keyframesKeptAfterABreakSurviveARestoreAndGoOnceUsed() throws Exception {
        LoopClosureSettings settings = LoopClosureSettings.defaults().withRelocalisation(5, 3);
        Sim3 worldB = new Sim3(0.6, Rotations.axisAngle(new double[] {0.3, -0.5, 0.8}, 1.1), new double[] {2, -1, 0.5});
        long startB = SEGMENT_START + 20_000_000L;
        OperatorSubtaskState snapshot;
        try (var h = harness(settings)) {
            h.open();
            assertThat(feed(h, 0, 120)).isEmpty(); // frames 0..238: 30 keyframes
            h.processElement(new StreamRecord<>(LoopFrame.segmentEnded(STREAM, SegmentReason.TRACKING_LOST)));
            assertThat(mapEntries(h, "loop-kept-features")).as("the 5 newest keyframes' features").isEqualTo(5);
            assertThat(mapEntries(h, "loop-features")).as("the window's went").isZero();
            assertThat(h.numKeyedStateEntries()).as("the loop state and the kept features").isEqualTo(2);
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = harness(settings)) {
            h.initializeState(snapshot);
            h.open();
            assertThat(mapEntries(h, "loop-kept-features")).isEqualTo(5);
            // Segment 1 sees what segment 0's newest keyframes saw, half-way between them (frames 236, 228, ...).
            List<OutputRecord> out = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                int i = 118 - 4 * k;
                LoopFrame b = frameOfSegment(FRAMES.get(i), 1, startB, 300 + 8L * k, worldB.transformPose(TRUTH.get(i)), worldB.scale());
                h.processElement(new StreamRecord<>(b));
            }
            out.addAll(h.extractOutputValues());
            assertThat(out).extracting(o -> o.kind).containsExactly(OutputRecord.Kind.CORRECTION, OutputRecord.Kind.SEGMENT);
            assertThat(new String(out.get(0).key, StandardCharsets.UTF_8)).isEqualTo(STREAM + "/" + startB + "/1");
            // The segments topic says so as well, keyed by the stream as the stitch stage's segment events.
            assertThat(new String(out.get(1).key, StandardCharsets.UTF_8)).isEqualTo(STREAM);
            SegmentEvent moved = SingleObjectCodec.segmentEvents().decode(out.get(1).value);
            assertThat(moved.getKind()).isEqualTo(SegmentEventKind.RELOCALISED);
            assertThat(moved.getSegmentId()).isEqualTo(1);
            assertThat(moved.getSegmentStartMicros()).isEqualTo(startB);
            assertThat(moved.getWorldSegmentId()).isZero();
            assertThat(moved.getWorldSegmentStartMicros()).isEqualTo(SEGMENT_START);
            assertThat(moved.getFirstFrameIndex()).as("the segment's first keyframe").isEqualTo(300);
            assertThat(moved.getEventTimeMicros()).as("the confirming keyframe's capture").isEqualTo(startB + 8 * 33_333L);
            SegmentCorrection r = SingleObjectCodec.segmentCorrections().decode(out.get(0).value);
            assertThat(r.getWorldSegmentId()).isZero();
            assertThat(r.getWorldSegmentStartMicros()).isEqualTo(SEGMENT_START);
            assertThat(r.getVersion()).isEqualTo(1);
            assertThat(r.getLoopNewFrameIndex()).as("the second keyframe confirms the first").isEqualTo(308);
            // Its published centre, corrected, lies where segment 0 published the same place (frame 228).
            LoopCorrection c = SegmentCorrectionRecords.fromRecord(r);
            RigidTransform b1 = worldB.transformPose(TRUTH.get(114));
            double error = distance(c.correctPose(308, b1).center(), FRAMES.get(114).publishedPose().center());
            System.err.printf(Locale.ROOT, "re-localised on frame %d (%d inliers): %.3f m from segment 0's pose%n",
                    r.getLoopOldFrameIndex(), r.getLoopInliers(), error);
            assertThat(error).isLessThan(0.05);
            assertThat(mapEntries(h, "loop-kept-features")).as("the kept keyframes went").isZero();
            assertThat(mapEntries(h, "loop-features")).isEqualTo(3);

            // Another break, and a segment in another room: 3 tries, nothing published, the kept keyframes go.
            h.processElement(new StreamRecord<>(LoopFrame.segmentEnded(STREAM, SegmentReason.FRAME_GAP)));
            assertThat(mapEntries(h, "loop-kept-features")).as("segment 1's 3 keyframes kept").isEqualTo(3);
            SyntheticScene other = new SyntheticScene(new SceneSpec(2, 160, 120, 100, TrajectoryKind.WALK, 0, 30));
            int before = h.extractOutputValues().size();
            for (int k = 0; k < 4; k++) {
                FrameTruth t = other.render(8 * k);
                LoopFrame f = frameOfSegment(frame(t, t.worldFromCamera()), 2, startB + 10_000_000L, 400 + 8L * k,
                        t.worldFromCamera(), 1);
                h.processElement(new StreamRecord<>(f));
                assertThat(mapEntries(h, "loop-kept-features")).as("after keyframe %d", k).isEqualTo(k < 2 ? 3 : 0);
            }
            assertThat(h.extractOutputValues()).hasSize(before);

            // An end of stream keeps nothing.
            h.processElement(new StreamRecord<>(LoopFrame.segmentEnded(STREAM, SegmentReason.END_OF_STREAM)));
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    /** Entries of one of the stream's map states (features by frame index). */
    private static int mapEntries(KeyedOneInputStreamOperatorTestHarness<String, LoopFrame, OutputRecord> h, String name)
            throws Exception {
        org.apache.flink.runtime.state.KeyedStateBackend<Object> backend =
                ((org.apache.flink.streaming.api.operators.AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        backend.setCurrentKey(STREAM);
        org.apache.flink.api.common.state.MapState<Long, io.geostream.loop.KeyframeFeatures> m = backend.getPartitionedState(
                org.apache.flink.runtime.state.VoidNamespace.INSTANCE, org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE,
                new org.apache.flink.api.common.state.MapStateDescriptor<>(name, Types.LONG, Types.POJO(io.geostream.loop.KeyframeFeatures.class)));
        int n = 0;
        for (Long ignored : m.keys()) n++;
        return n;
    }

    /** {@code f} as a frame of another segment, published at {@code pose} in a world {@code scale} times the truth's. */
    private static LoopFrame frameOfSegment(LoopFrame f, long segmentId, long start, long frameIndex, RigidTransform pose,
                                            double scale) {
        LoopFrame b = new LoopFrame();
        b.streamId = f.streamId;
        b.segmentId = segmentId;
        b.segmentStartMicros = start;
        b.frameIndex = frameIndex;
        b.captureTimeMicros = start + (frameIndex - 300) * 33_333L;
        b.worldFromCamera = LoopFrame.poseArray(pose);
        b.intrinsics = f.intrinsics;
        b.width = f.width;
        b.height = f.height;
        b.depth = f.depth.clone();
        for (int p = 0; p < b.depth.length; p++) b.depth[p] *= (float) scale;
        b.rgb = f.rgb;
        b.modelId = f.modelId;
        b.modelVersion = f.modelVersion;
        return b;
    }

    /**
     * The state of the loop closer before it was bounded (serialVersionUID 1, a whole pose graph) cannot be read into
     * today's: the operator must see that as such (and start the stream's loop closing over), not fail the job.
     */
    @Test
    void aStateOfTheVersionBeforeTheBoundIsRecognisedAsSuch() throws Exception {
        byte[] today = org.apache.flink.util.InstantiationUtil.serializeObject(new io.geostream.loop.LoopCloserState());
        assertThat(LoopClosureFunction.deserializeState(today)).isNotNull();
        // The stream's class descriptor: the class name, then the 8-byte serialVersionUID (2 today, 1 before the bound).
        byte[] name = io.geostream.loop.LoopCloserState.class.getName().getBytes(StandardCharsets.UTF_8);
        int at = indexOf(today, name) + name.length;
        assertThat(java.nio.ByteBuffer.wrap(today, at, 8).getLong()).isEqualTo(2L);
        byte[] older = today.clone();
        java.nio.ByteBuffer.wrap(older, at, 8).putLong(1L);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LoopClosureFunction.deserializeState(older))
                .isInstanceOf(java.io.InvalidClassException.class);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    private static long keyedBytes(OperatorSubtaskState s) {
        long bytes = 0;
        for (KeyedStateHandle k : s.getManagedKeyedState()) bytes += k.getStateSize();
        return bytes;
    }

    private static double distance(double[] a, double[] b) {
        double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
}
