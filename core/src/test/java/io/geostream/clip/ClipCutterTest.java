package io.geostream.clip;

import io.geostream.avro.SegmentReason;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.testing.TestFrames;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClipCutterTest {

    private static final ClipCutterSettings T5_S3 = new ClipCutterSettings(5, 3, 4, 10_000);

    private final List<ClipTask> tasks = new ArrayList<>();
    private final List<ClipCutter.Rejection> rejected = new ArrayList<>();

    private void feed(ClipCutter c, ClipCutterState s, FrameRecord f) {
        ClipCutter.Output o = c.onFrame(s, f);
        tasks.addAll(o.tasks());
        rejected.addAll(o.rejections());
    }

    private static long[] indices(ClipTask t) {
        return Arrays.stream(t.frames).mapToLong(f -> f.frameIndex).toArray();
    }

    @Test
    void cutsOverlappingClipsAndPadsTheLastOneAtEndOfStream() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 10; i++) feed(c, s, TestFrames.frame("a", i));
        feed(c, s, TestFrames.endMarker("a", 10));

        assertThat(tasks).hasSize(3);
        assertThat(indices(tasks.get(0))).containsExactly(0, 1, 2, 3, 4);
        assertThat(indices(tasks.get(1))).containsExactly(3, 4, 5, 6, 7);
        // The last clip holds the overlap 6,7 and the new 8,9, padded with 9.
        assertThat(indices(tasks.get(2))).containsExactly(6, 7, 8, 9, 9);
        assertThat(tasks.get(2).paddingSlots).isEqualTo(1);
        assertThat(tasks.get(2).endsSegment).isTrue();
        assertThat(tasks.get(2).endReason).isEqualTo(SegmentReason.END_OF_STREAM);
        assertThat(tasks.get(2).segmentFrameCount).isEqualTo(10);
        assertThat(tasks.get(0).startsSegment).isTrue();
        assertThat(tasks.get(0).startReason).isEqualTo(SegmentReason.STREAM_START);
        assertThat(tasks.get(1).startsSegment).isFalse();
        assertThat(tasks.get(0).nextClipFirstFrameIndex).isEqualTo(3);
        assertThat(tasks).extracting(t -> t.seq).containsExactly(0L, 1L, 2L);
        assertThat(tasks).extracting(t -> t.firstNewFrameIndex).containsExactly(0L, 5L, 8L);
        assertThat(s.heldFrames()).isZero();
    }

    @Test
    void keyframeSlotHoldsTheSegmentsFirstFrameInEveryLaterClip() {
        ClipCutter c = new ClipCutter(new ClipCutterSettings(6, 3, 4, 10_000, 1));
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 12; i++) feed(c, s, TestFrames.frame("a", i));
        feed(c, s, TestFrames.endMarker("a", 12));

        assertThat(tasks).hasSize(4);
        assertThat(indices(tasks.get(0))).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(indices(tasks.get(1))).containsExactly(0, 3, 4, 5, 6, 7);
        assertThat(indices(tasks.get(2))).containsExactly(0, 6, 7, 8, 9, 10);
        assertThat(indices(tasks.get(3))).containsExactly(0, 9, 10, 11, 11, 11);
        assertThat(tasks).extracting(t -> t.keyframeSlots).containsExactly(0, 1, 1, 1);
        assertThat(tasks.get(3).paddingSlots).isEqualTo(2);
        assertThat(tasks).extracting(t -> t.nextClipFirstFrameIndex).containsExactly(3L, 6L, 9L, -1L);
        assertThat(tasks).extracting(t -> t.firstNewFrameIndex).containsExactly(0L, 6L, 8L, 11L);
        // Every clip still has T slots, in frame order.
        for (ClipTask t : tasks) {
            assertThat(t.frames).hasSize(6);
            assertThat(indices(t)).isSorted();
        }
        assertThatThrownBy(() -> new ClipCutterSettings(6, 5, 4, 10_000, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refreshPolicyPromotesAFrameEveryNClipsAndPutsTheMostRecentKeyframeInSlotZero() {
        // T = 8, S = 4, K = 2, a refresh every 2nd clip: clip 2 promotes its window slot S - 1 (the newest frame
        // the next clip does not hold), and from clip 3 on slot 0 holds it, slot 1 the segment's first frame.
        ClipCutterSettings config = new ClipCutterSettings(8, 4, 4, 10_000, 2).withKeyframePolicy(KeyframePolicy.REFRESH, 2);
        List<ClipTask> first = cut(config, 30);
        assertThat(indices(first.get(0))).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        // While only the first frame is a keyframe it fills both keyframe slots.
        assertThat(indices(first.get(1))).containsExactly(0, 0, 4, 5, 6, 7, 8, 9);
        assertThat(indices(first.get(2))).containsExactly(0, 0, 8, 9, 10, 11, 12, 13);
        assertThat(first.get(2).promotedKeyframeIndex).isEqualTo(11);
        assertThat(indices(first.get(3))).containsExactly(11, 0, 12, 13, 14, 15, 16, 17);
        assertThat(first).extracting(t -> t.keyframeSlots).startsWith(0, 2, 2, 2);
        assertThat(first).extracting(t -> t.promotedKeyframeIndex).startsWith(-1L, -1L, 11L, -1L, 19L);
        // Clip 5 (after the refresh at clip 4): the newest keyframe 19 first, the first frame kept last, 11 dropped.
        assertThat(indices(first.get(5))).containsExactly(19, 0, 20, 21, 22, 23, 24, 25);
        // Deterministic: the same frames cut the same clips.
        List<ClipTask> again = cut(config, 30);
        assertThat(again).hasSameSizeAs(first);
        for (int i = 0; i < first.size(); i++) {
            assertThat(indices(again.get(i))).isEqualTo(indices(first.get(i)));
            assertThat(again.get(i).promotedKeyframeIndex).isEqualTo(first.get(i).promotedKeyframeIndex);
        }
    }

    @Test
    void refreshWithOneKeyframeSlotReplacesTheFirstFrame() {
        ClipCutterSettings config = new ClipCutterSettings(6, 3, 4, 10_000, 1).withKeyframePolicy(KeyframePolicy.REFRESH, 1);
        List<ClipTask> out = cut(config, 14);
        assertThat(indices(out.get(0))).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(out.get(0).promotedKeyframeIndex).isEqualTo(-1);
        assertThat(indices(out.get(1))).containsExactly(0, 3, 4, 5, 6, 7);
        assertThat(out.get(1).promotedKeyframeIndex).isEqualTo(5);
        assertThat(indices(out.get(2))).containsExactly(5, 6, 7, 8, 9, 10);
        assertThat(out.get(2).promotedKeyframeIndex).isEqualTo(8);
        assertThat(indices(out.get(3))[0]).isEqualTo(8);
        // First-only keeps frame 0 in slot 0 and promotes nothing.
        List<ClipTask> firstOnly = cut(config.withKeyframePolicy(KeyframePolicy.FIRST_ONLY, 1), 14);
        assertThat(firstOnly).allSatisfy(t -> assertThat(t.promotedKeyframeIndex).isEqualTo(-1));
        assertThat(firstOnly.subList(1, firstOnly.size()).stream().filter(t -> !t.isMarker()).toList()).isNotEmpty().allSatisfy(t -> assertThat(t.frames[0].frameIndex).isZero());
    }

    @Test
    void keyframeConfigIsChecked() {
        assertThatThrownBy(() -> new ClipCutterSettings(16, 2, 4, 10_000, 2)).hasMessageContaining("stride must exceed K");
        assertThatThrownBy(() -> new ClipCutterSettings(16, 12, 4, 10_000, 9)).hasMessageContaining("keyframes");
        assertThatThrownBy(() -> new ClipCutterSettings(16, 12, 4, 10_000, 1).withKeyframePolicy(KeyframePolicy.REFRESH, 0))
                .hasMessageContaining("keyframeInterval");
        assertThat(KeyframePolicy.parse("first-only")).isEqualTo(KeyframePolicy.FIRST_ONLY);
        assertThat(KeyframePolicy.parse("REFRESH")).isEqualTo(KeyframePolicy.REFRESH);
        assertThatThrownBy(() -> KeyframePolicy.parse("view")).hasMessageContaining("first-only, refresh");
    }

    private List<ClipTask> cut(ClipCutterSettings config, int frames) {
        ClipCutter c = new ClipCutter(config);
        ClipCutterState s = new ClipCutterState();
        tasks.clear();
        for (int i = 0; i < frames; i++) feed(c, s, TestFrames.frame("a", i));
        feed(c, s, TestFrames.endMarker("a", frames));
        List<ClipTask> out = new java.util.ArrayList<>(tasks);
        tasks.clear();
        return out;
    }

    @Test
    void endOfStreamWithNothingNewEmitsAMarker() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 5; i++) feed(c, s, TestFrames.frame("a", i));
        feed(c, s, TestFrames.endMarker("a", 5));
        assertThat(tasks).hasSize(2);
        assertThat(tasks.get(1).isMarker()).isTrue();
        assertThat(tasks.get(1).endsSegment).isTrue();
        assertThat(tasks.get(1).segmentLastFrameIndex).isEqualTo(4);
        assertThat(tasks.get(1).streamId).isEqualTo("a");
    }

    @Test
    void shortStreamGetsOnePaddedClip() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        feed(c, s, TestFrames.frame("a", 0));
        FrameRecord last = TestFrames.frame("a", 1);
        last.endOfStream = true;
        feed(c, s, last);
        assertThat(tasks).hasSize(1);
        assertThat(indices(tasks.get(0))).containsExactly(0, 1, 1, 1, 1);
        assertThat(tasks.get(0).paddingSlots).isEqualTo(3);
        assertThat(tasks.get(0).startsSegment).isTrue();
        assertThat(tasks.get(0).endsSegment).isTrue();
    }

    @Test
    void reordersWithinTheWindowAndCutsTheSameClips() {
        List<FrameRecord> frames = new ArrayList<>();
        for (int i = 0; i < 20; i++) frames.add(TestFrames.frame("a", i));
        // Local shuffles only (each frame at most 3 places away), within the reorder window of 4.
        Random rnd = new Random(3);
        for (int i = 0; i + 3 < frames.size(); i += 4) {
            Collections.shuffle(frames.subList(i, i + 4), rnd);
        }
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        frames.forEach(f -> feed(c, s, f));
        feed(c, s, TestFrames.endMarker("a", 20));

        List<ClipTask> shuffled = new ArrayList<>(tasks);
        tasks.clear();
        ClipCutterState s2 = new ClipCutterState();
        for (int i = 0; i < 20; i++) feed(c, s2, TestFrames.frame("a", i));
        feed(c, s2, TestFrames.endMarker("a", 20));

        assertThat(rejected).isEmpty();
        assertThat(shuffled).hasSameSizeAs(tasks);
        for (int i = 0; i < tasks.size(); i++) {
            assertThat(indices(shuffled.get(i))).containsExactly(indices(tasks.get(i)));
        }
    }

    @Test
    void duplicatesAndLateFramesAreRejectedWithReasons() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 6; i++) feed(c, s, TestFrames.frame("a", i));
        feed(c, s, TestFrames.frame("a", 3));   // already consumed
        feed(c, s, TestFrames.frame("a", 8));   // waits for 6, 7
        feed(c, s, TestFrames.frame("a", 8));   // waiting already
        assertThat(rejected).extracting(ClipCutter.Rejection::reasonCode).containsExactly("DUPLICATE_FRAME", "DUPLICATE_FRAME");
        assertThat(s.pending).hasSize(1);
    }

    /** Frame {@code index} of a camera run whose frame 0 was captured {@code runStartMicros} after the test's base. */
    private static FrameRecord ofRun(long runStartMicros, long index) {
        FrameRecord f = TestFrames.frame("a", index);
        f.captureTimeMicros += runStartMicros;
        return f;
    }

    @Test
    void aProducerRestartedWithoutItsMarkerStartsANewSegmentInsteadOfBeingRejected() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 7; i++) feed(c, s, ofRun(0, i));
        feed(c, s, ofRun(0, 9));                   // waits in the reorder buffer for 7, 8, which never come
        // Killed, then started again 60 s later: its numbering starts at 0 once more.
        for (int i = 0; i < 6; i++) feed(c, s, ofRun(60_000_000L, i));

        assertThat(rejected).isEmpty();
        List<ClipTask> ends = tasks.stream().filter(t -> t.endsSegment).toList();
        assertThat(ends).hasSize(2);
        assertThat(ends.get(0).endReason).isEqualTo(SegmentReason.FRAME_GAP);          // the held frame 9 after its gap
        assertThat(ends.get(1).endReason).isEqualTo(SegmentReason.PRODUCER_RESTARTED); // the old run, ended for the new one
        assertThat(ends.get(1).endDetail).contains("went back to 0 (after 9)").contains("restarted");
        assertThat(indices(ends.get(1))).containsExactly(9, 9, 9, 9, 9);
        ClipTask first = tasks.stream().filter(t -> t.startsSegment && t.frames[0].captureTimeMicros >= ofRun(60_000_000L, 0).captureTimeMicros)
                .findFirst().orElseThrow();
        assertThat(first.startReason).isEqualTo(SegmentReason.PRODUCER_RESTARTED);
        assertThat(indices(first)).containsExactly(0, 1, 2, 3, 4);
        assertThat(first.segmentId).isEqualTo(2);
        assertThat(s.nextStartReason).as("used once").isNull();
        // The new run's own frames sent twice (the same capture time, also the newest frame's) are duplicates, and so
        // is the old run's.
        feed(c, s, ofRun(60_000_000L, 2));
        feed(c, s, ofRun(60_000_000L, 5));
        feed(c, s, ofRun(0, 3));
        assertThat(rejected).extracting(ClipCutter.Rejection::reasonCode)
                .containsExactly("DUPLICATE_FRAME", "DUPLICATE_FRAME", "DUPLICATE_FRAME");
    }

    @Test
    void theOldRunsWaitingEndMarkerDoesNotEndTheRestartedRun() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 8; i++) feed(c, s, ofRun(0, i));
        feed(c, s, TestFrames.endMarker("a", 10));  // frames 8, 9 never came (rejected at ingest): the marker waits
        for (int i = 0; i < 12; i++) feed(c, s, ofRun(60_000_000L, i));

        assertThat(rejected).isEmpty();
        List<ClipTask> ends = tasks.stream().filter(t -> t.endsSegment).toList();
        assertThat(ends).hasSize(1);
        assertThat(ends.get(0).endDetail).contains("restarted");
        assertThat(ends.get(0).endReason).isEqualTo(SegmentReason.PRODUCER_RESTARTED);
        assertThat(s.inSegment).isTrue();
        assertThat(s.nextExpected).isEqualTo(12);
        assertThat(tasks.get(tasks.size() - 1).segmentId).isEqualTo(1);
    }

    @Test
    void aProducerRestartedAfterItsStreamWentIdleIsANewSegmentNotLateFrames() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 7; i++) feed(c, s, ofRun(0, i));
        tasks.addAll(c.onIdle(s, s.idleDeadlineMillis).tasks());
        assertThat(tasks.get(tasks.size() - 1).endReason).isEqualTo(SegmentReason.STREAM_IDLE);
        feed(c, s, ofRun(0, 5));                   // a straggler of the old run: late
        for (int i = 0; i < 5; i++) feed(c, s, ofRun(120_000_000L, i));
        assertThat(rejected).extracting(ClipCutter.Rejection::reasonCode).containsExactly("LATE_FRAME");
        ClipTask last = tasks.get(tasks.size() - 1);
        assertThat(last.startsSegment).isTrue();
        // the old run ended idle, so the new one starts as a stream does after its state was released
        assertThat(last.startReason).isEqualTo(SegmentReason.STREAM_START);
        assertThat(indices(last)).containsExactly(0, 1, 2, 3, 4);
        // ended by its marker, a stream that comes back later is a new stream again
        feed(c, s, TestFrames.endMarker("a", 5));
        feed(c, s, ofRun(300_000_000L, 0));
        for (int i = 1; i < 5; i++) feed(c, s, ofRun(300_000_000L, i));
        ClipTask again = tasks.stream().filter(t -> t.startsSegment).reduce((a, b) -> b).orElseThrow();
        assertThat(again.startReason).isEqualTo(SegmentReason.STREAM_START);
    }

    @Test
    void aGapBeyondTheReorderWindowStartsANewSegment() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 7; i++) feed(c, s, TestFrames.frame("a", i));
        // 7..9 never arrive; 10..14 fill the reorder window (4) and overflow it.
        for (int i = 10; i < 15; i++) feed(c, s, TestFrames.frame("a", i));

        ClipTask end = tasks.stream().filter(t -> t.endsSegment).findFirst().orElseThrow();
        assertThat(end.endReason).isEqualTo(SegmentReason.FRAME_GAP);
        assertThat(end.endDetail).contains("7..9");
        assertThat(indices(end)).containsExactly(3, 4, 5, 6, 6);
        assertThat(s.segmentId).isEqualTo(1);
        assertThat(s.segmentStartReason).isEqualTo(SegmentReason.FRAME_GAP);
        ClipTask next = tasks.get(tasks.size() - 1);
        assertThat(next.segmentId).isEqualTo(1);
        assertThat(indices(next)).containsExactly(10, 11, 12, 13, 14);
        assertThat(next.startsSegment).isTrue();
        // A straggler from before the gap is late now.
        feed(c, s, TestFrames.frame("a", 8));
        assertThat(rejected).extracting(ClipCutter.Rejection::reasonCode).containsExactly("LATE_FRAME");
    }

    @Test
    void idleDeadlineFlushesEverythingHeld() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 3; i++) feed(c, s, TestFrames.frame("a", i));
        feed(c, s, TestFrames.frame("a", 5)); // waiting for 3, 4
        assertThat(tasks).isEmpty();

        ClipCutter.Output stale = c.onIdle(s, s.idleDeadlineMillis - 1);
        assertThat(stale.tasks()).isEmpty();

        ClipCutter.Output o = c.onIdle(s, s.idleDeadlineMillis);
        assertThat(o.tasks()).hasSize(2);
        assertThat(indices(o.tasks().get(0))).containsExactly(0, 1, 2, 2, 2);
        assertThat(o.tasks().get(0).endReason).isEqualTo(SegmentReason.FRAME_GAP);
        assertThat(indices(o.tasks().get(1))).containsExactly(5, 5, 5, 5, 5);
        assertThat(o.tasks().get(1).endReason).isEqualTo(SegmentReason.STREAM_IDLE);
        assertThat(o.tasks().get(1).segmentId).isEqualTo(1);
        assertThat(s.heldFrames()).isZero();
        assertThat(s.inSegment).isFalse();
    }

    @Test
    void resolutionChangeStartsANewSegment() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 3; i++) feed(c, s, TestFrames.frame("a", i));
        for (int i = 3; i < 8; i++) feed(c, s, TestFrames.frame("a", i, 8, 6));
        assertThat(tasks.get(0).endReason).isEqualTo(SegmentReason.RESOLUTION_CHANGED);
        assertThat(indices(tasks.get(0))).containsExactly(0, 1, 2, 2, 2);
        assertThat(tasks.get(1).startReason).isEqualTo(SegmentReason.RESOLUTION_CHANGED);
        assertThat(indices(tasks.get(1))).containsExactly(3, 4, 5, 6, 7);
        assertThat(tasks.get(1).frames[0].width).isEqualTo(8);
    }

    @Test
    void aStreamMayRestartAfterItsEnd() {
        ClipCutter c = new ClipCutter(T5_S3);
        ClipCutterState s = new ClipCutterState();
        for (int i = 0; i < 5; i++) feed(c, s, TestFrames.frame("a", i));
        feed(c, s, TestFrames.endMarker("a", 5));
        for (int i = 0; i < 5; i++) feed(c, s, TestFrames.frame("a", i));
        assertThat(rejected).isEmpty();
        assertThat(tasks.get(tasks.size() - 1).segmentId).isEqualTo(1);
        assertThat(tasks.get(tasks.size() - 1).startReason).isEqualTo(SegmentReason.STREAM_START);
    }

    @Test
    void everyFrameIsInSomeClipForManyConfigurations() {
        for (int t = 2; t <= 7; t++) {
            for (int stride = 1; stride < t; stride++) {
                for (int n = 1; n <= 17; n++) {
                    ClipCutter c = new ClipCutter(new ClipCutterSettings(t, stride, 2, 1000));
                    ClipCutterState s = new ClipCutterState();
                    tasks.clear();
                    for (int i = 0; i < n; i++) feed(c, s, TestFrames.frame("a", i));
                    feed(c, s, TestFrames.endMarker("a", n));
                    long covered = tasks.stream().flatMap(x -> Arrays.stream(x.frames)).mapToLong(f -> f.frameIndex).distinct().count();
                    assertThat(covered).as("T=%d S=%d n=%d", t, stride, n).isEqualTo(n);
                    int clipLength = t;
                    assertThat(tasks).allSatisfy(x -> assertThat(x.isMarker() || x.frames.length == clipLength).isTrue());
                    assertThat(tasks.get(tasks.size() - 1).endsSegment).isTrue();
                }
            }
        }
    }

    @Test
    void configRejectsClipsWithoutOverlap() {
        assertThatThrownBy(() -> new ClipCutterSettings(5, 5, 2, 1000)).hasMessageContaining("stride");
        assertThatThrownBy(() -> new ClipCutterSettings(1, 1, 2, 1000)).hasMessageContaining("clipLength");
        assertThatThrownBy(() -> new ClipCutterSettings(5, 2, -1, 1000)).hasMessageContaining("reorderWindow");
    }
}
