package io.geostream.clip;

import io.geostream.avro.SegmentReason;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;

/**
 * Cuts one stream into overlapping clips of T frames with stride S. Pure logic over a
 * {@link ClipCutterState}: the Flink operator only loads and stores the state and forwards the
 * output. Only the data decides: frame indices, the end-of-stream flag and event-time idle deadlines,
 * never wall-clock time, so a replay cuts exactly the same clips.
 *
 * <p>Frames are put back in index order within a bounded reorder window. A frame index that was
 * already consumed is rejected (duplicate or late). Frames missing beyond the reorder window end the
 * segment (FRAME_GAP) and the next frames start a new one. A segment's last, short clip is padded to
 * T by repeating its last frame and marked, so every frame gets geometry.
 */
public final class ClipCutter {

    /** A frame the cutter refused, with a dead-letter reason code. */
    public record Rejection(FrameRecord frame, String reasonCode, String detail) {}

    /** What one call produced: clip tasks in order, and rejected frames. */
    public record Output(List<ClipTask> tasks, List<Rejection> rejections) {
        static Output empty() {
            return new Output(new ArrayList<>(), new ArrayList<>());
        }
    }

    private final ClipCutterSettings config;

    public ClipCutter(ClipCutterSettings config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public ClipCutterSettings config() {
        return config;
    }

    /** Event time (ms) at which this frame makes the stream idle if nothing follows. */
    public long idleDeadlineFor(FrameRecord frame) {
        return Math.floorDiv(frame.captureTimeMicros, 1000L) + config.idleTimeoutMillis();
    }

    /** Feeds one validated frame (or end-of-stream marker) of the stream. */
    public Output onFrame(ClipCutterState s, FrameRecord f) {
        Objects.requireNonNull(s, "state");
        Objects.requireNonNull(f, "frame");
        Output out = Output.empty();
        s.idleDeadlineMillis = Math.max(s.idleDeadlineMillis, idleDeadlineFor(f));

        if (!f.hasImage()) {
            if (!f.endOfStream) {
                out.rejections().add(new Rejection(f, "IMAGE_MISSING", "a frame without pixels must be an end-of-stream marker"));
                return out;
            }
            if (!s.inSegment && s.pending.isEmpty()) {
                // Nothing open: the stream ended after an earlier end (or never started). Allow a restart.
                s.minNextIndex = -1;
                s.nextStartReason = null;
                return out;
            }
            s.pendingEndIndex = f.frameIndex;
            drain(s, out);
            return out;
        }

        long idx = f.frameIndex;
        if (restarted(s, f)) {
            // The producer numbers from the start again without having sent its end-of-stream marker (it was killed,
            // crashed or restarted). A frame index that went back with a capture time after everything this stream
            // sent before is a new run of the camera, not a duplicate or a late frame: rejecting it would dead-letter the
            // new run's frames until its indices passed the old ones (and keep the stream from going idle meanwhile).
            String detail = "frame index went back to " + idx + " (after " + newestIndex(s) + ") with a later capture time:"
                    + " the producer restarted without its end-of-stream marker";
            // The new run's segment says why it starts only when it follows the segment the restart ended; after an
            // idle end (state not yet released) it starts as after a release would, STREAM_START.
            if (flushAndEnd(s, out, SegmentReason.PRODUCER_RESTARTED, detail)) s.nextStartReason = SegmentReason.PRODUCER_RESTARTED;
            s.minNextIndex = -1;
        }
        if (s.inSegment && idx < s.nextExpected) {
            boolean seen = idx >= s.segmentFirstIndex;
            out.rejections().add(new Rejection(f, seen ? "DUPLICATE_FRAME" : "LATE_FRAME",
                    "frame " + idx + " already passed: segment " + s.segmentId + " expects " + s.nextExpected));
            return out;
        }
        if (!s.inSegment && s.minNextIndex >= 0 && idx < s.minNextIndex) {
            out.rejections().add(new Rejection(f, "LATE_FRAME",
                    "frame " + idx + " arrived after its segment ended (next accepted index " + s.minNextIndex + ")"));
            return out;
        }
        int pos = pendingPosition(s, idx);
        if (pos < 0) {
            out.rejections().add(new Rejection(f, "DUPLICATE_FRAME", "frame " + idx + " is already waiting in the reorder buffer"));
            return out;
        }
        s.pending.add(pos, f);
        if (f.endOfStream) {
            s.pendingEndIndex = idx + 1;
        }
        drain(s, out);
        return out;
    }

    /**
     * The event-time timer for {@code timerMillis} fired. If it is the stream's current idle deadline,
     * everything held is flushed: pending frames after a gap form their own segments, and the open
     * segment ends as STREAM_IDLE with its last clip padded.
     */
    public Output onIdle(ClipCutterState s, long timerMillis) {
        Output out = Output.empty();
        if (timerMillis != s.idleDeadlineMillis) {
            return out;
        }
        if (flushAndEnd(s, out, SegmentReason.STREAM_IDLE, "no frame for " + config.idleTimeoutMillis() + " ms of event time")) {
            s.minNextIndex = s.segmentLastIndexBeforeEnd + 1;
        }
        return out;
    }

    /**
     * Whether {@code f} starts a new run of the stream: its index is one this stream has passed (or one its ended
     * segment had), and its capture time is after every frame of the stream held or consumed (a duplicate or a
     * reordered late frame is not).
     */
    private static boolean restarted(ClipCutterState s, FrameRecord f) {
        boolean passed = s.inSegment ? f.frameIndex < s.nextExpected : s.minNextIndex >= 0 && f.frameIndex < s.minNextIndex;
        if (!passed) return false;
        long newest = s.segmentLastTimeMicros;
        for (FrameRecord p : s.pending) newest = Math.max(newest, p.captureTimeMicros);
        return f.captureTimeMicros > newest;
    }

    /** STREAM_START, or the reason an earlier end left for the next segment (then cleared). */
    private static SegmentReason takeStartReason(ClipCutterState s) {
        SegmentReason r = s.nextStartReason != null ? s.nextStartReason : SegmentReason.STREAM_START;
        s.nextStartReason = null;
        return r;
    }

    private static long newestIndex(ClipCutterState s) {
        long newest = s.inSegment ? s.nextExpected - 1 : s.minNextIndex - 1;
        for (FrameRecord p : s.pending) newest = Math.max(newest, p.frameIndex);
        return newest;
    }

    /**
     * Everything held is flushed (pending frames after a gap form their own segments) and the open segment ends with
     * {@code reason}, its last clip padded. Returns whether a segment was open to end.
     */
    private boolean flushAndEnd(ClipCutterState s, Output out, SegmentReason reason, String detail) {
        while (true) {
            drain(s, out);
            if (s.pending.isEmpty()) {
                break;
            }
            FrameRecord first = s.pending.get(0);
            if (s.inSegment) {
                endSegment(s, out, SegmentReason.FRAME_GAP, gapDetail(s, first.frameIndex));
                startSegment(s, first.frameIndex, SegmentReason.FRAME_GAP);
            } else {
                startSegment(s, first.frameIndex, takeStartReason(s));
            }
        }
        // A marker still waiting belonged to what was just flushed: the next run must not end at its index.
        s.pendingEndIndex = -1;
        if (!s.inSegment) return false;
        endSegment(s, out, reason, detail);
        return true;
    }

    private void drain(ClipCutterState s, Output out) {
        while (true) {
            if (!s.inSegment && !s.pending.isEmpty()) {
                // A segment starts at the index that should come next (0 for a new stream). Anything else may
                // be a frame that overtook its predecessors, so it waits until the reorder window is full.
                long first = s.pending.get(0).frameIndex;
                long expectedStart = Math.max(0, s.minNextIndex);
                if (first == expectedStart || s.pending.size() > config.reorderWindow() || s.pendingEndIndex >= 0) {
                    startSegment(s, first, takeStartReason(s));
                } else {
                    return;
                }
            }
            while (s.inSegment && !s.pending.isEmpty() && s.pending.get(0).frameIndex == s.nextExpected) {
                FrameRecord f = s.pending.remove(0);
                if (!s.window.isEmpty() && (s.window.get(0).width != f.width || s.window.get(0).height != f.height)) {
                    // A clip must have one image size: the camera changed mode, so the geometry starts over.
                    FrameRecord prev = s.window.get(0);
                    endSegment(s, out, SegmentReason.RESOLUTION_CHANGED, prev.width + "x" + prev.height + " -> " + f.width + "x" + f.height);
                    startSegment(s, f.frameIndex, SegmentReason.RESOLUTION_CHANGED);
                }
                consume(s, f, out);
            }
            if (s.pendingEndIndex >= 0 && s.inSegment && s.pendingEndIndex <= s.nextExpected) {
                String detail = s.pendingEndIndex == s.nextExpected ? "producer ended the stream"
                        : "end-of-stream marker at " + s.pendingEndIndex + " after frame " + (s.nextExpected - 1);
                endSegment(s, out, SegmentReason.END_OF_STREAM, detail);
                s.pendingEndIndex = -1;
                s.minNextIndex = -1;
                continue;
            }
            if (s.inSegment && s.pending.size() > config.reorderWindow()) {
                long first = s.pending.get(0).frameIndex;
                endSegment(s, out, SegmentReason.FRAME_GAP, gapDetail(s, first));
                s.minNextIndex = first;
                startSegment(s, first, SegmentReason.FRAME_GAP);
                continue;
            }
            return;
        }
    }

    private static String gapDetail(ClipCutterState s, long nextPresent) {
        return "frames " + s.nextExpected + ".." + (nextPresent - 1) + " missing";
    }

    private void startSegment(ClipCutterState s, long firstIndex, SegmentReason reason) {
        s.inSegment = true;
        s.segmentStartReason = reason;
        s.segmentFirstIndex = firstIndex;
        s.segmentLastIndex = -1;
        s.segmentFrameCount = 0;
        s.nextClipId = 0;
        s.nextExpected = firstIndex;
        s.lastClippedIndex = -1;
        s.window.clear();
        s.keyframes.clear();
    }

    private void consume(ClipCutterState s, FrameRecord f, Output out) {
        s.window.add(f);
        if (config.keyframes() > 0 && s.keyframes.isEmpty()) {
            s.keyframes.add(f);
        }
        s.nextExpected = f.frameIndex + 1;
        s.segmentLastIndex = f.frameIndex;
        s.segmentLastTimeMicros = f.captureTimeMicros;
        s.segmentFrameCount++;
        if (s.window.size() == windowLength(s)) {
            ClipTask task = clipTask(s, 0, false, null, "");
            task.nextClipFirstFrameIndex = s.window.get(config.stride()).frameIndex;
            promoteKeyframe(s, task);
            out.tasks().add(task);
            s.lastClippedIndex = s.segmentLastIndex;
            s.window = new ArrayList<>(s.window.subList(config.stride(), s.window.size()));
        }
    }

    private void endSegment(ClipCutterState s, Output out, SegmentReason reason, String detail) {
        boolean unclipped = !s.window.isEmpty() && s.window.get(s.window.size() - 1).frameIndex > s.lastClippedIndex;
        ClipTask task;
        if (unclipped) {
            int padding = windowLength(s) - s.window.size();
            FrameRecord last = s.window.get(s.window.size() - 1);
            for (int i = 0; i < padding; i++) {
                s.window.add(last);
            }
            task = clipTask(s, padding, true, reason, detail);
        } else {
            task = new ClipTask();
            task.streamId = streamIdOf(s);
            task.seq = s.nextSeq++;
            task.segmentId = s.segmentId;
            task.clipId = -1;
            task.firstNewFrameIndex = s.segmentLastIndex + 1;
            fillEnd(task, s, reason, detail);
        }
        out.tasks().add(task);
        s.segmentLastIndexBeforeEnd = s.segmentLastIndex;
        s.inSegment = false;
        s.segmentId++;
        s.window.clear();
        s.keyframes.clear();
        s.lastClippedIndex = -1;
        s.nextExpected = -1;
    }

    /** Stream frames in the next clip: T, or T - K once the keyframe slot is in use. */
    private int windowLength(ClipCutterState s) {
        return keyframeSlots(s) > 0 ? config.clipLength() - config.keyframes() : config.clipLength();
    }

    private int keyframeSlots(ClipCutterState s) {
        return config.keyframes() > 0 && s.nextClipId > 0 && !s.keyframes.isEmpty() ? config.keyframes() : 0;
    }

    /**
     * With {@link KeyframePolicy#REFRESH}, every N-th clip (clip ids N, 2N, ...) of a segment, cut from a
     * full window, promotes its newest stream frame that the next clip does not hold anyway (window slot
     * S - 1): it is the closest in time to the next clip's frames without taking a slot twice, and the
     * stitcher has its global geometry once this clip is stitched ({@link ClipTask#promotedKeyframeIndex}).
     */
    private void promoteKeyframe(ClipCutterState s, ClipTask task) {
        if (config.keyframes() == 0 || config.keyframePolicy() != KeyframePolicy.REFRESH
                || task.clipId == 0 || task.clipId % config.keyframeInterval() != 0) {
            return;
        }
        FrameRecord promoted = s.window.get(config.stride() - 1);
        task.promotedKeyframeIndex = promoted.frameIndex;
        s.keyframes.add(promoted);
        // Keep the segment's first frame (K >= 2) and the K - 1 most recent promotions, or only the latest (K = 1).
        int keepFirst = config.keyframes() >= 2 ? 1 : 0;
        while (s.keyframes.size() > config.keyframes()) {
            s.keyframes.remove(keepFirst);
        }
    }

    /** The clip's keyframe slots: the most recent keyframe first, then older ones; the oldest fills what is left. */
    private List<FrameRecord> keyframeSlotFrames(ClipCutterState s, int slots) {
        ArrayList<FrameRecord> out = new ArrayList<>(slots);
        for (int i = s.keyframes.size() - 1; i >= 0 && out.size() < slots; i--) {
            out.add(s.keyframes.get(i));
        }
        while (out.size() < slots) {
            out.add(s.keyframes.get(0));
        }
        return out;
    }

    private ClipTask clipTask(ClipCutterState s, int padding, boolean ends, SegmentReason endReason, String endDetail) {
        ClipTask t = new ClipTask();
        int keyframeSlots = keyframeSlots(s);
        if (keyframeSlots > 0) {
            ArrayList<FrameRecord> slots = new ArrayList<>(config.clipLength());
            slots.addAll(keyframeSlotFrames(s, keyframeSlots));
            slots.addAll(s.window);
            t.frames = slots.toArray(new FrameRecord[0]);
        } else {
            t.frames = s.window.toArray(new FrameRecord[0]);
        }
        t.keyframeSlots = keyframeSlots;
        t.streamId = t.frames[0].streamId;
        t.seq = s.nextSeq++;
        t.segmentId = s.segmentId;
        t.clipId = s.nextClipId++;
        t.paddingSlots = padding;
        t.firstNewFrameIndex = s.lastClippedIndex < 0 ? s.segmentFirstIndex : s.lastClippedIndex + 1;
        t.startsSegment = t.clipId == 0;
        t.startReason = t.startsSegment ? s.segmentStartReason : null;
        t.attributes = new HashMap<>(t.frames[0].attributes);
        if (ends) {
            fillEnd(t, s, endReason, endDetail);
        }
        s.lastStreamId = t.streamId;
        return t;
    }

    private static void fillEnd(ClipTask t, ClipCutterState s, SegmentReason reason, String detail) {
        t.endsSegment = true;
        t.endReason = reason;
        t.endDetail = detail;
        t.segmentLastFrameIndex = s.segmentLastIndex;
        t.segmentFrameCount = s.segmentFrameCount;
        t.segmentEndTimeMicros = s.segmentLastTimeMicros;
    }

    private static String streamIdOf(ClipCutterState s) {
        if (!s.window.isEmpty()) {
            return s.window.get(0).streamId;
        }
        return s.lastStreamId;
    }

    /** Insertion point keeping {@code pending} sorted, or -1 when the index is already there. */
    private static int pendingPosition(ClipCutterState s, long idx) {
        int lo = 0, hi = s.pending.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            long m = s.pending.get(mid).frameIndex;
            if (m == idx) return -1;
            if (m < idx) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
