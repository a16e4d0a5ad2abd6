package io.geostream.clip;

import io.geostream.avro.SegmentReason;
import io.geostream.records.FrameRecord;

import java.util.ArrayList;

/**
 * Everything the clip cutter remembers about one stream (a Flink POJO kept in keyed state). Holds at
 * most T frames in {@link #window} and at most reorderWindow + 1 in {@link #pending}.
 */
public class ClipCutterState {
    /** Whether a segment is open. */
    public boolean inSegment;
    /** Id of the open segment, or of the next one when none is open. */
    public long segmentId;
    public SegmentReason segmentStartReason;
    public long segmentFirstIndex = -1;
    public long segmentLastIndex = -1;
    public long segmentLastTimeMicros;
    public long segmentFrameCount;
    /** Next clip id within the open segment. */
    public long nextClipId;
    /** Next per-stream task sequence number. */
    public long nextSeq;
    /** Next frame index the open segment needs. */
    public long nextExpected = -1;
    /** Lowest frame index accepted to start a new segment (-1: any, e.g. after end of stream). */
    public long minNextIndex = -1;
    /** Highest index already in a clip of the open segment (-1: none). */
    public long lastClippedIndex = -1;
    /** Frames of the open segment kept for the next clip: the overlap plus the new frames. */
    public ArrayList<FrameRecord> window = new ArrayList<>();
    /**
     * Keyframes of the open segment when the cutter places keyframes in clips (else empty), oldest first:
     * the segment's first frame (dropped at the first refresh when K = 1), then promoted frames; at most K.
     */
    public ArrayList<FrameRecord> keyframes = new ArrayList<>();
    /** Frames that arrived ahead of a missing predecessor, sorted by index. */
    public ArrayList<FrameRecord> pending = new ArrayList<>();
    /** One past the last frame, announced by an end-of-stream marker that arrived early (-1: none). */
    public long pendingEndIndex = -1;
    /**
     * Why the next segment starts when no segment is open and the reason is not the frames' own (a gap, a new image
     * size): PRODUCER_RESTARTED after a restart ended the last one; null for STREAM_START.
     */
    public SegmentReason nextStartReason;
    /** Index of the last frame of the most recently ended segment. */
    public long segmentLastIndexBeforeEnd = -1;
    /** Stream id seen last (a marker task has no frame to take it from). */
    public String lastStreamId;
    /** Event time (ms) at which the stream counts as idle. */
    public long idleDeadlineMillis = Long.MIN_VALUE;

    public ClipCutterState() {}

    /** Number of frames held (a state-size figure for tests and metrics). */
    public int heldFrames() {
        return window.size() + pending.size() + keyframes.size();
    }
}
