package io.geostream.operators.clip;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.SegmentReason;
import io.geostream.clip.ClipCutterSettings;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.records.OutputRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.testing.TestFrames;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The keyed clip operator with Flink's test harness: state, event-time timers, snapshots. */
class ClipCutterFunctionTest {

    private static final ClipCutterSettings CONFIG = new ClipCutterSettings(4, 2, 3, 5_000);

    static final class ByStream implements KeySelector<FrameRecord, String> {
        @Override public String getKey(FrameRecord f) { return f.streamId; }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, ClipTask> harness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ClipCutterFunction(CONFIG)), new ByStream(), Types.STRING);
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, ClipTask> h, FrameRecord f) throws Exception {
        h.processElement(new StreamRecord<>(f, f.captureTimeMicros / 1000));
    }

    private static List<String> describe(List<ClipTask> tasks) {
        List<String> out = new ArrayList<>();
        for (ClipTask t : tasks) {
            out.add(t.streamId + ":" + t.segmentId + ":" + Arrays.toString(Arrays.stream(t.frames).mapToLong(f -> f.frameIndex).toArray()));
        }
        return out;
    }

    @Test
    void keepsStreamsApartAndHoldsOnlyBoundedState() throws Exception {
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 6; i++) {
                send(h, TestFrames.frame("a", i));
                send(h, TestFrames.frame("b", i));
            }
            assertThat(describe(h.extractOutputValues())).containsExactly(
                    "a:0:[0, 1, 2, 3]", "b:0:[0, 1, 2, 3]", "a:0:[2, 3, 4, 5]", "b:0:[2, 3, 4, 5]");
            // Three state entries per stream (cutter state, held frames' pixels, idle-TTL deadline); each holds only the overlap of T - S = 2 frames.
            assertThat(h.numKeyedStateEntries()).isEqualTo(6);
            for (String stream : List.of("a", "b")) {
                h.getOperator().setCurrentKey(stream);
                List<String> pixelKeys = new java.util.ArrayList<>();
                h.getOperator().getKeyedStateStore().getMapState(new org.apache.flink.api.common.state.MapStateDescriptor<>(
                        "clip-frame-pixels", String.class, byte[].class)).keys().forEach(pixelKeys::add);
                // The pixels of frames 4 and 5 only: those of frames that left the window were removed.
                assertThat(pixelKeys).hasSize(2).allMatch(k -> k.startsWith("4@") || k.startsWith("5@"));
            }
            // One idle timer per stream (a newer frame moves the deadline; stale ones are ignored when they fire).
            assertThat(h.numEventTimeTimers()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void finalWatermarkFlushesThePaddedLastClip() throws Exception {
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 5; i++) send(h, TestFrames.frame("a", i));
            assertThat(h.extractOutputValues()).hasSize(1);
            // End of a bounded input: Flink emits the maximum watermark, which fires event-time timers.
            h.processWatermark(Long.MAX_VALUE);
            List<ClipTask> out = h.extractOutputValues();
            assertThat(describe(out)).containsExactly("a:0:[0, 1, 2, 3]", "a:0:[2, 3, 4, 4]");
            ClipTask last = out.get(1);
            assertThat(last.endsSegment).isTrue();
            assertThat(last.endReason).isEqualTo(SegmentReason.STREAM_IDLE);
            assertThat(last.paddingSlots).isEqualTo(1);
        }
    }

    @Test
    void duplicatesBecomeDeadLetters() throws Exception {
        try (var h = harness()) {
            h.open();
            send(h, TestFrames.frame("a", 0));
            send(h, TestFrames.frame("a", 1));
            send(h, TestFrames.frame("a", 1));
            var dead = h.getSideOutput(ClipCutterFunction.DEAD_LETTERS);
            assertThat(dead).hasSize(1);
            OutputRecord r = dead.peek().getValue();
            DeadLetter d = SingleObjectCodec.deadLetters().decode(r.value);
            assertThat(d.getReasonCode()).isEqualTo("DUPLICATE_FRAME");
            assertThat(d.getStreamId()).isEqualTo("a");
            assertThat(d.getFrameIndex()).isEqualTo(1L);
            assertThat(d.getStage()).isEqualTo("clip");
        }
    }

    @Test
    void restoredFromASnapshotItCutsTheSameClips() throws Exception {
        List<String> uninterrupted;
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 9; i++) send(h, TestFrames.frame("a", i));
            send(h, TestFrames.endMarker("a", 9));
            uninterrupted = describe(h.extractOutputValues());
        }
        List<String> resumed = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 5; i++) send(h, TestFrames.frame("a", i));
            resumed.addAll(describe(h.extractOutputValues()));
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            for (int i = 5; i < 9; i++) send(h, TestFrames.frame("a", i));
            send(h, TestFrames.endMarker("a", 9));
            resumed.addAll(describe(h.extractOutputValues()));
        }
        assertThat(resumed).isEqualTo(uninterrupted);
        assertThat(uninterrupted).hasSize(4);
    }

    @Test
    void reordersFramesAndEndsTheSegmentOnAGap() throws Exception {
        try (var h = harness()) {
            h.open();
            for (long i : new long[] {1, 0, 3, 2}) send(h, TestFrames.frame("a", i));
            assertThat(describe(h.extractOutputValues())).containsExactly("a:0:[0, 1, 2, 3]");
            // 4 and 5 never come; 6..9 overflow the reorder window of 3.
            for (long i = 6; i < 10; i++) send(h, TestFrames.frame("a", i));
            List<ClipTask> out = h.extractOutputValues();
            // Frames 2 and 3 were already in a clip, so segment 0 ends with a marker (no frames).
            assertThat(describe(out)).containsExactly("a:0:[0, 1, 2, 3]", "a:0:[]", "a:1:[6, 7, 8, 9]");
            assertThat(out.get(1).endReason).isEqualTo(SegmentReason.FRAME_GAP);
            assertThat(out.get(1).endDetail).contains("4..5");
            assertThat(out.get(2).startReason).isEqualTo(SegmentReason.FRAME_GAP);
            assertThat(h.numKeyedStateEntries()).isEqualTo(3);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, ClipTask> harness(java.time.Duration ttl) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ClipCutterFunction(CONFIG, ttl)), new ByStream(), Types.STRING);
    }

    @Test
    void idleTtlFlushesEachStreamThenReleasesAllItsState() throws Exception {
        try (var h = harness(java.time.Duration.ofSeconds(10))) {
            h.open();
            h.setProcessingTime(0);
            for (String stream : List.of("a", "b", "c")) {
                for (int i = 0; i < 5; i++) send(h, TestFrames.frame(stream, i));
            }
            assertThat(describe(h.extractOutputValues())).containsExactly("a:0:[0, 1, 2, 3]", "b:0:[0, 1, 2, 3]", "c:0:[0, 1, 2, 3]");
            assertThat(h.numKeyedStateEntries()).isEqualTo(9); // cutter state, held pixels, TTL deadline per stream
            h.setProcessingTime(9_000); // no watermark has come: the event-time idle timers cannot fire
            assertThat(h.extractOutputValues()).hasSize(3);
            h.setProcessingTime(20_000);
            List<ClipTask> out = h.extractOutputValues();
            // Each stream's held frames 2..4 are flushed exactly as the idle timeout would, then released.
            assertThat(describe(out.subList(3, 6))).containsExactlyInAnyOrder("a:0:[2, 3, 4, 4]", "b:0:[2, 3, 4, 4]", "c:0:[2, 3, 4, 4]");
            for (ClipTask t : out.subList(3, 6)) {
                assertThat(t.endReason).isEqualTo(SegmentReason.STREAM_IDLE);
                assertThat(t.releasesStream).isTrue();
            }
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
            // A stream that comes back starts over.
            send(h, TestFrames.frame("a", 0));
            assertThat(h.numKeyedStateEntries()).isEqualTo(3);
        }
    }

    @Test
    void aFrameBeforeTheTtlKeepsTheStream() throws Exception {
        try (var h = harness(java.time.Duration.ofSeconds(16))) {
            h.open();
            h.setProcessingTime(0);
            send(h, TestFrames.frame("a", 0));
            h.setProcessingTime(12_000);
            send(h, TestFrames.frame("a", 1));
            h.setProcessingTime(20_000);
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(h.numKeyedStateEntries()).isEqualTo(3);
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1); // the earlier deadline was deleted, not left stale
            h.setProcessingTime(30_000);
            List<ClipTask> out = h.extractOutputValues();
            assertThat(describe(out)).containsExactly("a:0:[0, 1, 1, 1]");
            assertThat(out.get(0).releasesStream).isTrue();
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void endOfStreamReleasesAtOnceAndAnEarlyMarkerWaitsForTheLastFrames() throws Exception {
        try (var h = harness(java.time.Duration.ofHours(1))) {
            h.open();
            for (int i = 0; i < 6; i++) send(h, TestFrames.frame("a", i));
            send(h, TestFrames.endMarker("a", 6));
            List<ClipTask> out = h.extractOutputValues();
            assertThat(out.get(out.size() - 1).endReason).isEqualTo(SegmentReason.END_OF_STREAM);
            assertThat(out.get(out.size() - 1).releasesStream).isTrue();
            assertThat(out.stream().filter(t -> t.releasesStream)).hasSize(1);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();

            // The marker overtakes frame 2: nothing is released until frame 2 has closed the stream.
            for (long i : new long[] {0, 1}) send(h, TestFrames.frame("b", i));
            send(h, TestFrames.endMarker("b", 3));
            assertThat(h.numKeyedStateEntries()).isEqualTo(3);
            send(h, TestFrames.frame("b", 2));
            List<ClipTask> b = h.extractOutputValues().stream().filter(t -> t.streamId.equals("b")).toList();
            assertThat(describe(b)).containsExactly("b:0:[0, 1, 2, 2]");
            assertThat(b.get(0).releasesStream).isTrue();
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }
}
