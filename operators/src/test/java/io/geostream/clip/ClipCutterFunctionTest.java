package io.geostream.clip;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.SegmentReason;
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

    private static final ClipCutterConfig CONFIG = new ClipCutterConfig(4, 2, 3, 5_000);

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
            // One state entry per stream; each holds only the overlap of T - S = 2 frames.
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
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
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
        }
    }
}
