package io.geostream.operators;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentEvent;
import io.geostream.clip.ClipCutterSettings;
import io.geostream.clip.ClipCutterState;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.operators.clip.ClipCutterFunction;
import io.geostream.operators.stitch.StitchFunction;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.records.OutputRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.stitch.AnchorFrame;
import io.geostream.stitch.HeldFrame;
import io.geostream.stitch.OverlapPolicy;
import io.geostream.stitch.StitchMethod;
import io.geostream.stitch.StitcherSettings;
import io.geostream.stitch.StitcherState;
import io.geostream.storage.StorageSettings;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.SyntheticPipeline;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Keyed state written before the module split must restore after it. The snapshots under {@code state/} were taken
 * with release 0.1.0 (functions still in {@code io.geostream.clip}, {@code io.geostream.stitch}), mid-stream, on
 * RocksDB, as a checkpoint and as a canonical savepoint. The functions have moved to {@code io.geostream.operators.*},
 * but the classes held in state ({@link ClipCutterState}, {@link StitcherState}, {@link AnchorFrame}, {@link HeldFrame},
 * {@link ClipTask}, {@link ClipResult}, {@link FrameRecord}) keep their names, so a checkpoint or savepoint of the
 * running job must restore into the new layout. Each test restores a snapshot into the moved function, checks the state it reads back, feeds the rest of
 * the same synthetic input and compares the output with what 0.1.0 emitted uninterrupted ({@code *.expected.txt}; the
 * stitcher's geometry frames up to the clip scale estimator changed since, {@link #assertSameOutputUpToTheNewClipScale}).
 * A third test feeds that input to operators that were not restored: their output differs, so the comparison can fail.
 *
 * <p>How the files were made: {@code state/README.txt}. The input helpers here are the writer's; do not change them
 * without regenerating the snapshots from a 0.1.0 checkout.
 */
class StateCompatibilityTest {

    /** A checkpoint (RocksDB native, as the job's retained checkpoints) and a canonical savepoint of the same state. */
    static final String CLIP_CHECKPOINT = "state/clip-cutter-0.1.0.snapshot";
    static final String CLIP_SAVEPOINT = "state/clip-cutter-0.1.0-savepoint.snapshot";
    static final String CLIP_EXPECTED = "state/clip-cutter-0.1.0.expected.txt";
    static final String STITCH_CHECKPOINT = "state/stitch-0.1.0.snapshot";
    static final String STITCH_SAVEPOINT = "state/stitch-0.1.0-savepoint.snapshot";
    static final String STITCH_EXPECTED = "state/stitch-0.1.0.expected.txt";

    // ---------------------------------------------------------------- the clip operator's input

    /** T = 8, S = 5, reorder window 2, idle 10 s, one keyframe slot. */
    static final ClipCutterSettings CLIPS = new ClipCutterSettings(8, 5, 2, 10_000, 1);
    static final List<String> CLIP_STREAMS = List.of("cam-a", "cam-b", "cam-c");
    /** Processing time past every stream's idle-TTL deadline (default TTL 1 h, armed at processing time 0). */
    static final long PROCESSING_TIME_AFTER_TTL = 2 * 3_600_000L;

    static final class FrameByStream implements KeySelector<FrameRecord, String> {
        @Override public String getKey(FrameRecord f) { return f.streamId; }
    }

    static final class ResultByStream implements KeySelector<ClipResult, String> {
        @Override public String getKey(ClipResult r) { return r.task.streamId; }
    }

    /** Synthetic frames of a scene at 10 fps, with the end-of-stream marker last. */
    static List<FrameRecord> sceneFrames(String stream, long seed, int width, int height, int frames, TrajectoryKind trajectory,
                                         boolean intrinsics) {
        return SyntheticPipeline.frames(stream, new SceneSpec(seed, width, height, frames, trajectory, 0.0, 10), intrinsics);
    }

    /** Round robin over the lists, in list order. */
    static <T> List<T> interleave(List<List<T>> lists) {
        List<T> out = new ArrayList<>();
        int longest = lists.stream().mapToInt(List::size).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            for (List<T> l : lists) if (i < l.size()) out.add(l.get(i));
        }
        return out;
    }

    /**
     * The clip operator's input, {@code [before snapshot, after snapshot]}. cam-a: 40 frames in order, cut at frame
     * 22. cam-b: 30 frames, 11 and 12 late: before the snapshot 13 and 14 wait in the reorder buffer. cam-c: 6 frames
     * and no end marker: only its restored event-time idle timer (final watermark) and processing-time TTL timer emit
     * its last clip and its release.
     */
    static List<List<FrameRecord>> clipInput() {
        List<FrameRecord> a = sceneFrames("cam-a", 21, 48, 36, 40, TrajectoryKind.ORBIT, true);
        List<FrameRecord> b = sceneFrames("cam-b", 22, 48, 36, 30, TrajectoryKind.HANDHELD, false);
        List<FrameRecord> c = sceneFrames("cam-c", 23, 48, 36, 6, TrajectoryKind.WALK, true).subList(0, 6);
        List<FrameRecord> bBefore = new ArrayList<>(b.subList(0, 11));
        bBefore.addAll(b.subList(13, 15));
        List<FrameRecord> bAfter = new ArrayList<>(b.subList(11, 13));
        bAfter.addAll(b.subList(15, b.size()));
        return List.of(interleave(List.of(a.subList(0, 22), bBefore, c)), interleave(List.of(a.subList(22, a.size()), bAfter)));
    }

    static KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, ClipTask> clipHarness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ClipCutterFunction(CLIPS)), new FrameByStream(), Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend(false)); // the job's backend; self-contained checkpoints
        return h;
    }

    static void sendFrames(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, ClipTask> h, List<FrameRecord> frames)
            throws Exception {
        for (FrameRecord f : frames) h.processElement(new StreamRecord<>(f, f.captureTimeMicros / 1000));
    }

    /** After the rest of the input: the final watermark (idle timers) and processing time past the TTL. */
    static void finishClips(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, ClipTask> h) throws Exception {
        h.processWatermark(Long.MAX_VALUE);
        h.setProcessingTime(PROCESSING_TIME_AFTER_TTL);
    }

    /** What the clip operator holds per stream, as the function's own descriptors read it. */
    static List<String> clipState(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, ClipTask> h) throws Exception {
        List<String> out = new ArrayList<>();
        out.add("state timers event=" + h.numEventTimeTimers() + " processing=" + h.numProcessingTimeTimers());
        var store = h.getOperator().getKeyedStateStore();
        for (String stream : CLIP_STREAMS) {
            h.getOperator().setCurrentKey(stream);
            ClipCutterState s = store.getState(new ValueStateDescriptor<>("clip-cutter", ClipCutterState.class)).value();
            Long ttl = store.getState(new ValueStateDescriptor<>("idle-ttl-deadline", Long.class)).value();
            Map<String, byte[]> pixels = new TreeMap<>();
            for (Map.Entry<String, byte[]> e : store.getMapState(new MapStateDescriptor<>("clip-frame-pixels", String.class, byte[].class)).entries()) {
                pixels.put(e.getKey(), e.getValue());
            }
            if (s == null) {
                out.add("state " + stream + " none ttl=" + ttl + " pixels=" + pixels.size());
                continue;
            }
            Crc pixelCrc = new Crc();
            pixels.forEach((k, v) -> pixelCrc.str(k).bytes(v));
            out.add("state " + stream + " inSegment=" + s.inSegment + " seg=" + s.segmentId + " start=" + s.segmentStartReason
                    + " first=" + s.segmentFirstIndex + " last=" + s.segmentLastIndex + " lastTime=" + s.segmentLastTimeMicros
                    + " count=" + s.segmentFrameCount + " nextClip=" + s.nextClipId + " nextSeq=" + s.nextSeq
                    + " nextExpected=" + s.nextExpected + " minNext=" + s.minNextIndex + " lastClipped=" + s.lastClippedIndex
                    + " window=" + frames(s.window) + " keyframes=" + frames(s.keyframes) + " pending=" + frames(s.pending)
                    + " pendingEnd=" + s.pendingEndIndex + " lastBeforeEnd=" + s.segmentLastIndexBeforeEnd
                    + " lastStream=" + s.lastStreamId + " idleDeadline=" + s.idleDeadlineMillis + " ttl=" + ttl
                    + " pixels=" + pixels.keySet() + " pixelsCrc=" + pixelCrc.hex());
        }
        return out;
    }

    /** Per task (in output order) the fields that identify it, and a CRC of its frames, pixels included. */
    static List<String> describeTasks(List<ClipTask> tasks, Iterable<? extends StreamRecord<OutputRecord>> deadLetters) throws Exception {
        List<String> out = new ArrayList<>();
        for (ClipTask t : tasks) {
            out.add("task " + t.streamId + " seq=" + t.seq + " seg=" + t.segmentId + " clip=" + t.clipId
                    + " frames=" + Arrays.toString(Arrays.stream(t.frames).mapToLong(f -> f.frameIndex).toArray())
                    + " kfSlots=" + t.keyframeSlots + " promoted=" + t.promotedKeyframeIndex + " pad=" + t.paddingSlots
                    + " firstNew=" + t.firstNewFrameIndex + " nextFirst=" + t.nextClipFirstFrameIndex
                    + " start=" + t.startsSegment + "/" + t.startReason + " end=" + t.endsSegment + "/" + t.endReason
                    + " detail='" + t.endDetail + "' segLast=" + t.segmentLastFrameIndex + " segCount=" + t.segmentFrameCount
                    + " segEnd=" + t.segmentEndTimeMicros + " releases=" + t.releasesStream + " attrs=" + new TreeMap<>(t.attributes)
                    + " framesCrc=" + frameCrc(Arrays.asList(t.frames)));
        }
        if (deadLetters != null) {
            for (StreamRecord<OutputRecord> r : deadLetters) out.add(describe(r.getValue(), null));
        }
        return out;
    }

    // ---------------------------------------------------------------- the stitch operator's input

    static final StitchMethod STITCH_METHOD = StitchMethod.ROBUST_KEYFRAMES;

    /**
     * The settings the snapshots were written with (the inlier threshold and the hand-written PnP were the defaults
     * then; now 0.25 and OpenCV's).
     */
    static StitcherSettings stitcherConfig() {
        return new StitcherSettings(0, 0.05, 0.5, 0.2, OverlapPolicy.BLENDED, io.geostream.stitch.PoseSolver.HANDWRITTEN);
    }

    /**
     * A stream's clips (32x24 frames: the snapshot holds a whole waiting result and blended frames' full geometry)
     * through the simulated model, the last one marked as releasing the stream (as the job does).
     */
    static List<ClipResult> streamResults(String stream, long seed, int frames, TrajectoryKind trajectory, boolean intrinsics)
            throws Exception {
        try (SimulatedGeometryModel model = new SimulatedGeometryModel(SimulatedModelSettings.defaults())) {
            List<ClipResult> results = SyntheticPipeline.infer(
                    SyntheticPipeline.clips(sceneFrames(stream, seed, 32, 24, frames, trajectory, intrinsics), CLIPS), model);
            results.get(results.size() - 1).task.releasesStream = true;
            return results;
        }
    }

    /**
     * The stitch operator's input, {@code [before snapshot, after snapshot]}. cam-a (intrinsics given): its first
     * clips, then clip {@code cut} ahead of clip {@code cut - 1} (unordered inference), so the snapshot holds a
     * waiting result; cam-b (focal estimated): its first half. The rest comes after the snapshot.
     */
    static List<List<ClipResult>> stitchInput() throws Exception {
        List<ClipResult> a = streamResults("cam-a", 31, 30, TrajectoryKind.HANDHELD, true);
        List<ClipResult> b = streamResults("cam-b", 32, 24, TrajectoryKind.ORBIT, false);
        int cut = a.size() / 2;
        int cutB = b.size() / 2;
        List<ClipResult> before = new ArrayList<>(interleave(List.of(a.subList(0, cut - 1), b.subList(0, cutB))));
        before.add(a.get(cut));
        List<ClipResult> after = new ArrayList<>();
        after.add(a.get(cut - 1));
        after.addAll(interleave(List.of(b.subList(cutB, b.size()), a.subList(cut + 1, a.size()))));
        return List.of(before, after);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, ClipResult, OutputRecord> stitchHarness(Path objects) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StitchFunction(stitcherConfig(), StorageSettings.local(objects), STITCH_METHOD)),
                new ResultByStream(), Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend(false));
        return h;
    }

    static void sendResults(KeyedOneInputStreamOperatorTestHarness<String, ClipResult, OutputRecord> h, List<ClipResult> results)
            throws Exception {
        for (ClipResult r : results) h.processElement(new StreamRecord<>(r));
    }

    /** What the stitch operator holds per stream. */
    static List<String> stitchState(KeyedOneInputStreamOperatorTestHarness<String, ClipResult, OutputRecord> h) throws Exception {
        List<String> out = new ArrayList<>();
        var store = h.getOperator().getKeyedStateStore();
        for (String stream : List.of("cam-a", "cam-b")) {
            h.getOperator().setCurrentKey(stream);
            StitcherState s = store.getState(new ValueStateDescriptor<>("stitcher", StitcherState.class)).value();
            Long nextSeq = store.getState(new ValueStateDescriptor<>("next-seq", Long.class)).value();
            List<String> waiting = new ArrayList<>();
            for (Map.Entry<Long, ClipResult> e : store.getMapState(
                    new MapStateDescriptor<>("out-of-order-results", Long.class, ClipResult.class)).entries()) {
                ClipResult r = e.getValue();
                Crc crc = new Crc().str(r.modelId).str(r.modelVersion).i(r.width).i(r.height)
                        .floats2(r.pointMaps).floats2(r.normals).floats2(r.confidence);
                waiting.add(e.getKey() + ":" + r.task.clipId + ":"
                        + Arrays.toString(Arrays.stream(r.task.frames).mapToLong(f -> f.frameIndex).toArray())
                        + ":framesCrc=" + frameCrc(Arrays.asList(r.task.frames)) + ":geometryCrc=" + crc.hex());
            }
            waiting.sort(null);
            if (s == null) {
                out.add("state " + stream + " none nextSeq=" + nextSeq + " waiting=" + waiting);
                continue;
            }
            List<String> anchors = new ArrayList<>();
            for (AnchorFrame f : s.anchors) anchors.add(anchor(f));
            List<String> keyframes = new ArrayList<>();
            for (AnchorFrame f : s.keyframes) keyframes.add(anchor(f));
            List<String> held = new ArrayList<>();
            for (HeldFrame f : s.heldForBlend) {
                held.add(f.frame.frameIndex + ":" + f.clipId + ":" + f.width + "x" + f.height + ":" + f.method + ":" + f.overlapPoints
                        + ":" + r(f.residualRms) + ":" + r(f.inlierShare) + ":" + r(f.clipScale) + ":crc="
                        + new Crc().floats(f.worldPoints).floats(f.normalsWorld).floats(f.confidence).hex()
                        + ":frameCrc=" + frameCrc(List.of(f.frame)));
            }
            out.add("state " + stream + " nextSeq=" + nextSeq + " open=" + s.segmentOpen + " seg=" + s.segmentId
                    + " first=" + s.segmentFirstIndex + " count=" + s.segmentFrameCount + " lastTime=" + s.segmentLastTimeMicros
                    + " lastHandled=" + s.lastHandledFrameIndex + " intrinsics=" + r(s.intrinsics) + " given=" + s.intrinsicsGiven
                    + " pendingStart=" + s.pendingStartReason + " anchors=" + anchors + " keyframes=" + keyframes
                    + " heldAfterFailure=" + frames(s.heldAfterFailure) + " failure=" + s.heldFailureReason + "/" + s.heldFailureDetail
                    + " heldForBlend=" + held + " waiting=" + waiting);
        }
        return out;
    }

    private static String anchor(AnchorFrame f) {
        return f.frameIndex + ":" + (f.keyframe ? "kf" : "overlap") + ":c=" + r(f.cameraCenter)
                + ":crc=" + new Crc().floats(f.gridPoints).floats(f.gridConfidence).hex();
    }

    /** Per output record the fields that identify it (frames: pose and fit rounded to 1e-9; no processing latency). */
    static List<String> describeOutputs(List<OutputRecord> records, Path objects) throws Exception {
        List<String> out = new ArrayList<>();
        for (OutputRecord o : records) out.add(describe(o, objects));
        return out;
    }

    static String describe(OutputRecord o, Path objects) throws Exception {
        String key = o.key == null ? "null" : new String(o.key, StandardCharsets.UTF_8);
        switch (o.kind) {
            case GEOMETRY -> {
                GeometryFrame g = SingleObjectCodec.geometryFrames().decode(o.value);
                var p = g.getWorldFromCamera();
                var k = g.getIntrinsics();
                var q = g.getQuality();
                var pl = g.getPayloads();
                return "frame " + key + " " + g.getStreamId() + " #" + g.getFrameIndex() + " t=" + g.getCaptureTimeMicros()
                        + " seg=" + g.getSegmentId() + " clip=" + g.getClipId()
                        + " q=[" + r(p.getQx()) + ", " + r(p.getQy()) + ", " + r(p.getQz()) + ", " + r(p.getQw()) + "]"
                        + " t=[" + r(p.getTx()) + ", " + r(p.getTy()) + ", " + r(p.getTz()) + "]"
                        + " K=[" + r(k.getFx()) + ", " + r(k.getFy()) + ", " + r(k.getCx()) + ", " + r(k.getCy()) + "]/" + k.getSource()
                        + " scale=" + g.getScaleStatus() + "/" + r(g.getScaleFactor())
                        + " fit=" + q.getMethod() + "/" + q.getOverlapPoints() + "/" + r(q.getResidualRms()) + "/" + r(q.getInlierShare())
                        + "/" + r(q.getClipScale()) + "/" + r(q.getPoseReprojectionRms())
                        + " payloads=" + pl.getWidth() + "x" + pl.getHeight() + "/" + r(pl.getDepthUnit())
                        + " " + rel(pl.getDepthUri(), objects) + " " + rel(pl.getNormalsUri(), objects) + " " + rel(pl.getPointMapUri(), objects)
                        + " " + rel(pl.getConfidenceUri(), objects) + " " + rel(pl.getRgbUri(), objects)
                        + " model=" + g.getModelId() + "/" + g.getModelVersion();
            }
            case SEGMENT -> {
                SegmentEvent e = SingleObjectCodec.segmentEvents().decode(o.value);
                return "segment " + key + " " + e.getStreamId() + " seg=" + e.getSegmentId() + " " + e.getKind() + "/" + e.getReason()
                        + " detail='" + e.getDetail() + "' first=" + e.getFirstFrameIndex() + " last=" + e.getLastFrameIndex()
                        + " count=" + e.getFrameCount() + " t=" + e.getEventTimeMicros() + " model=" + e.getModelId() + "/" + e.getModelVersion();
            }
            default -> {
                DeadLetter d = SingleObjectCodec.deadLetters().decode(o.value);
                return "dead-letter " + key + " " + d.getStreamId() + " #" + d.getFrameIndex() + " " + d.getReasonCode()
                        + " stage=" + d.getStage() + " detail='" + d.getDetail() + "'";
            }
        }
    }

    // ---------------------------------------------------------------- the tests

    @TempDir
    Path objects;

    @ParameterizedTest
    @ValueSource(strings = {CLIP_CHECKPOINT, CLIP_SAVEPOINT})
    void clipCutterStateOf010RestoresIntoTheMovedFunction(String snapshot) throws Exception {
        List<String> expected = resourceLines(CLIP_EXPECTED);
        List<String> actual = new ArrayList<>();
        try (var h = clipHarness()) {
            h.initializeState(OperatorSnapshotUtil.readStateHandle(resourcePath(snapshot)));
            h.open();
            actual.addAll(clipState(h));
            sendFrames(h, clipInput().get(1));
            finishClips(h);
            actual.addAll(describeTasks(h.extractOutputValues(), h.getSideOutput(ClipCutterFunction.DEAD_LETTERS)));
        }
        assertThat(expected).anyMatch(l -> l.startsWith("task cam-c") && l.contains("releases=true"));
        assertThat(actual).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {STITCH_CHECKPOINT, STITCH_SAVEPOINT})
    void stitcherStateOf010RestoresIntoTheMovedFunction(String snapshot) throws Exception {
        List<String> expected = resourceLines(STITCH_EXPECTED);
        List<String> actual = new ArrayList<>();
        try (var h = stitchHarness(objects)) {
            h.initializeState(OperatorSnapshotUtil.readStateHandle(resourcePath(snapshot)));
            h.open();
            actual.addAll(stitchState(h));
            sendResults(h, stitchInput().get(1));
            List<OutputRecord> outputs = h.extractOutputValues();
            actual.addAll(describeOutputs(outputs, objects));
            assertSegmentIdentitiesAfterRestore(outputs);
        }
        assertThat(expected).anyMatch(l -> l.startsWith("frame "));
        assertSameOutputUpToTheNewClipScale(actual, expected);
    }

    /**
     * The restored state and every output record as 0.1.0 had them, except that since session 12 the clip scale is the
     * ratio of two predictions' spreads, not a least-squares scale, and since session 15 its weights are symmetric in
     * the two predictions' distances: a geometry frame's decimal numbers (pose, fit figures) may differ by 0.003 + 1.5 %
     * (measured: at most 0.0101 in a pose translation of 0.82, 0.0027 in one of 0.008; session 12's change alone gave
     * 0.0063 and 0.0016); its whole numbers (frame index, timestamps, counts, segment and clip ids) and every other character of the
     * line, the state lines and all non-frame lines must be equal. (Frame lines hold no hexadecimal.)
     */
    static void assertSameOutputUpToTheNewClipScale(List<String> actual, List<String> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        java.util.regex.Pattern number = java.util.regex.Pattern.compile("-?\\d+(?:\\.\\d+)?(?:[eE]-?\\d+)?");
        for (int i = 0; i < expected.size(); i++) {
            String e = expected.get(i), a = actual.get(i);
            if (!e.startsWith("frame ")) {
                assertThat(a).as("line " + i).isEqualTo(e);
                continue;
            }
            assertThat(number.matcher(a).replaceAll("#")).as("line " + i + " apart from its numbers").isEqualTo(number.matcher(e).replaceAll("#"));
            java.util.regex.Matcher me = number.matcher(e), ma = number.matcher(a);
            while (me.find() && ma.find()) {
                String x = me.group(), y = ma.group();
                if (!x.contains(".") && !x.contains("e") && !x.contains("E")) {
                    assertThat(y).as("line " + i + ": a whole number of " + e).isEqualTo(x);
                    continue;
                }
                double dx = Double.parseDouble(x), dy = Double.parseDouble(y);
                assertThat(dy).as("line " + i + ": " + e).isCloseTo(dx, within(0.003 + 0.015 * Math.abs(dx)));
            }
        }
    }

    /** The tolerant comparison fails on a pose 3 % off, on a timestamp one microsecond off, and on un-restored output. */
    @Test
    void theTolerantComparisonCanFail() throws Exception {
        List<String> expected = outputLines(resourceLines(STITCH_EXPECTED));
        int frame = 0;
        while (!expected.get(frame).startsWith("frame ")) frame++;
        String line = expected.get(frame);
        java.util.regex.Matcher t = java.util.regex.Pattern.compile("t=\\[(-?\\d+\\.\\d+),").matcher(line);
        assertThat(t.find()).isTrue();
        double x = Double.parseDouble(t.group(1));
        List<String> posed = new ArrayList<>(expected);
        posed.set(frame, line.replace("t=[" + t.group(1) + ",", "t=[" + String.format(java.util.Locale.ROOT, "%.9f", x * 1.03 + 0.003) + ","));
        List<String> timed = new ArrayList<>(expected);
        java.util.regex.Matcher ts = java.util.regex.Pattern.compile(" t=(\\d+) ").matcher(line);
        assertThat(ts.find()).isTrue();
        timed.set(frame, line.replace(" t=" + ts.group(1) + " ", " t=" + (Long.parseLong(ts.group(1)) + 1) + " "));
        assertSameOutputUpToTheNewClipScale(expected, expected);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertSameOutputUpToTheNewClipScale(posed, expected))
                .isInstanceOf(AssertionError.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertSameOutputUpToTheNewClipScale(timed, expected))
                .isInstanceOf(AssertionError.class);
    }

    /**
     * State of 0.1.0 has no segment start time (the POJO field came later and restores as -1): the records of a segment
     * open at the snapshot say -1, as its records written before the snapshot did (so a consumer keyed on the identity
     * keeps them together); a segment opened after the restore would carry the capture time of its first frame, in its
     * STARTED event, its frames and its ENDED event (the snapshot's input opens none; SegmentComebackTest covers those).
     */
    private static void assertSegmentIdentitiesAfterRestore(List<OutputRecord> outputs) throws Exception {
        Map<String, Long> startedAfterRestore = new TreeMap<>();
        int unknown = 0, known = 0;
        for (OutputRecord o : outputs) {
            String stream, seg;
            long start;
            if (o.kind == OutputRecord.Kind.SEGMENT) {
                SegmentEvent e = SingleObjectCodec.segmentEvents().decode(o.value);
                stream = e.getStreamId();
                seg = stream + "/" + e.getSegmentId();
                start = e.getSegmentStartMicros();
                if (e.getKind() == io.geostream.avro.SegmentEventKind.STARTED) {
                    assertThat(start).as(seg).isEqualTo(e.getEventTimeMicros()).isNotNegative();
                    startedAfterRestore.put(seg, start);
                }
            } else if (o.kind == OutputRecord.Kind.GEOMETRY) {
                GeometryFrame g = SingleObjectCodec.geometryFrames().decode(o.value);
                seg = g.getStreamId() + "/" + g.getSegmentId();
                start = g.getSegmentStartMicros();
            } else {
                continue;
            }
            if (startedAfterRestore.containsKey(seg)) {
                assertThat(start).as(seg).isEqualTo(startedAfterRestore.get(seg));
                known++;
            } else {
                assertThat(start).as(seg + " open across the restore").isEqualTo(-1L);
                unknown++;
            }
        }
        assertThat(unknown).as("records of segments open at the snapshot").isPositive();
        assertThat(unknown + known).isEqualTo(outputs.stream().filter(o -> o.kind != OutputRecord.Kind.DEAD_LETTER).count());
    }

    /** Without the restored state the same input gives other output: the comparisons above can fail. */
    @Test
    void withoutTheSnapshotTheOutputDiffers() throws Exception {
        List<String> clips;
        try (var h = clipHarness()) {
            h.open();
            sendFrames(h, clipInput().get(1));
            finishClips(h);
            clips = describeTasks(h.extractOutputValues(), h.getSideOutput(ClipCutterFunction.DEAD_LETTERS));
        }
        assertThat(clips).isNotEqualTo(outputLines(resourceLines(CLIP_EXPECTED)));
        List<String> stitched;
        try (var h = stitchHarness(objects)) {
            h.open();
            sendResults(h, stitchInput().get(1));
            stitched = describeOutputs(h.extractOutputValues(), objects);
        }
        assertThat(stitched).isNotEqualTo(outputLines(resourceLines(STITCH_EXPECTED)));
        List<String> unrestored = stitched;
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> assertSameOutputUpToTheNewClipScale(unrestored, outputLines(resourceLines(STITCH_EXPECTED))))
                .as("the tolerant comparison fails too").isInstanceOf(AssertionError.class);
    }

    // ---------------------------------------------------------------- helpers

    private static List<String> outputLines(List<String> expected) {
        return expected.stream().filter(l -> !l.startsWith("state ")).toList();
    }

    static String resourcePath(String resource) throws Exception {
        URL url = StateCompatibilityTest.class.getClassLoader().getResource(resource);
        assertThat(url).as("test resource " + resource).isNotNull();
        return Paths.get(url.toURI()).toString();
    }

    static List<String> resourceLines(String resource) throws Exception {
        return Files.readAllLines(Paths.get(resourcePath(resource)), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    private static String rel(CharSequence uri, Path objects) {
        if (uri == null) return "null";
        String s = uri.toString();
        if (objects != null && s.startsWith("file:")) {
            Path p = Paths.get(URI.create(s)).toAbsolutePath();
            Path base = objects.toAbsolutePath();
            if (p.startsWith(base)) return "<objects>/" + base.relativize(p).toString().replace('\\', '/');
        }
        return s;
    }

    private static String frames(List<FrameRecord> frames) {
        return Arrays.toString(frames.stream().mapToLong(f -> f.frameIndex).toArray()) + "@" + frameCrc(frames);
    }

    /** CRC of the frames' fields (pixels included when held). */
    static String frameCrc(List<FrameRecord> frames) {
        Crc c = new Crc();
        for (FrameRecord f : frames) {
            c.str(f.streamId).l(f.frameIndex).l(f.captureTimeMicros).l(f.endOfStream ? 1 : 0).i(f.width).i(f.height)
                    .bytes(f.rgb).doubles(f.intrinsics).str(String.valueOf(f.attributes == null ? null : new TreeMap<>(f.attributes)))
                    .str(f.sourceTopic).i(f.sourcePartition).l(f.sourceOffset);
        }
        return c.hex();
    }

    static String r(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        return new BigDecimal(v).setScale(9, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
    }

    private static String r(double[] v) {
        if (v == null) return "null";
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ", ").append(r(v[i]));
        return sb.append(']').toString();
    }

    /** A CRC-32 over typed values (exact bits: what a state holds is compared bit for bit). */
    static final class Crc {
        private final CRC32 crc = new CRC32();

        Crc l(long v) {
            for (int i = 0; i < 8; i++) crc.update((int) (v >>> (8 * i)) & 0xff);
            return this;
        }

        Crc i(int v) {
            return l(v);
        }

        Crc str(String s) {
            if (s == null) return l(-1);
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            l(b.length);
            crc.update(b);
            return this;
        }

        Crc bytes(byte[] b) {
            if (b == null) return l(-1);
            l(b.length);
            crc.update(b);
            return this;
        }

        Crc floats(float[] v) {
            if (v == null) return l(-1);
            l(v.length);
            for (float f : v) i(Float.floatToRawIntBits(f));
            return this;
        }

        Crc floats2(float[][] v) {
            if (v == null) return l(-1);
            l(v.length);
            for (float[] f : v) floats(f);
            return this;
        }

        Crc doubles(double[] v) {
            if (v == null) return l(-1);
            l(v.length);
            for (double d : v) l(Double.doubleToRawLongBits(d));
            return this;
        }

        String hex() {
            return String.format("%08x", crc.getValue());
        }
    }
}
