package io.geostream.records;

import io.geostream.avro.SegmentReason;

import java.util.HashMap;

/**
 * What the clip operator hands to inference: either a clip of T frames, or a pure segment-end marker
 * (no frames) when a segment ends and all its frames were already in earlier clips. A Flink POJO.
 *
 * <p>{@link #seq} numbers every task of a stream (across segments) so that the stitcher can restore
 * per-stream order after unordered async inference.
 */
public class ClipTask {
    public String streamId;
    /** Per-stream sequence number of this task, 0, 1, 2, ... */
    public long seq;
    public long segmentId;
    /** Clip number within the segment; -1 for a pure segment-end marker. */
    public long clipId;
    /** The clip's slots in frame order; padding slots repeat the last real frame. Empty for a marker. */
    public FrameRecord[] frames = new FrameRecord[0];
    /** Number of leading slots that repeat an earlier keyframe of the segment (already stitched). */
    public int keyframeSlots;
    /**
     * Index of this clip's frame that becomes a keyframe from the next clip on (the stitcher keeps its
     * global geometry from this clip), or -1 when this clip promotes none.
     */
    public long promotedKeyframeIndex = -1;
    /** Number of padding slots at the end of {@link #frames}. */
    public int paddingSlots;
    /** Index of the first frame of this clip that no earlier clip of the segment held. */
    public long firstNewFrameIndex;
    /** Index of the first frame of the next clip of the segment (slot S of this one); -1 when the segment ends here. */
    public long nextClipFirstFrameIndex = -1;
    /** True when this is the first clip of its segment. */
    public boolean startsSegment;
    public SegmentReason startReason;
    /** True when the segment ends after this task. */
    public boolean endsSegment;
    public SegmentReason endReason;
    public String endDetail = "";
    /** Index of the segment's last real frame when {@link #endsSegment}. */
    public long segmentLastFrameIndex = -1;
    /** Number of real frames of the segment when {@link #endsSegment}. */
    public long segmentFrameCount;
    /** Capture time of the segment's last real frame when {@link #endsSegment}. */
    public long segmentEndTimeMicros;
    /**
     * True on the stream's last task before the clip operator released its state (end of stream or idle
     * TTL): the stitcher releases its own state after handling it, and the stream's next task has seq 0.
     */
    public boolean releasesStream;
    /**
     * Wall time (ms since the epoch) at which the clip operator handed this task on; -1 where unknown (tasks made
     * elsewhere, or checkpointed before this field). One stage of a frame's latency (the stitch stage's figures).
     */
    public long cutAtMillis = -1;
    /** Stream attributes of the clip's first frame (e.g. the synthetic scene spec). */
    public HashMap<String, String> attributes = new HashMap<>();

    public ClipTask() {}

    public boolean isMarker() {
        return frames.length == 0;
    }

    /** Number of real (non-padding) slots. */
    public int realSlots() {
        return frames.length - paddingSlots;
    }

    @Override
    public String toString() {
        return "ClipTask{" + streamId + " seq=" + seq + " seg=" + segmentId + " clip=" + clipId
                + " frames=" + (frames.length == 0 ? "[]" : "[" + frames[0].frameIndex + ".."
                + frames[frames.length - 1].frameIndex + "]") + " pad=" + paddingSlots
                + (startsSegment ? " start=" + startReason : "") + (endsSegment ? " end=" + endReason : "")
                + (releasesStream ? " release" : "") + "}";
    }
}
