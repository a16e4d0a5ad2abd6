package io.geostream.stitch;

import java.util.ArrayList;

/** What the stitcher remembers about one stream between clips (a Flink POJO; no full tensors). */
public class StitcherState {
    /** Whether an output segment is open (its world frame is defined). */
    public boolean segmentOpen;
    /** Id of the open output segment, or of the next one. */
    public long segmentId;
    /** Index of the open segment's first frame. */
    public long segmentFirstIndex = -1;
    /**
     * Capture time of the open segment's first frame (microseconds): with {@link #segmentId} the segment's identity,
     * which stays unique when a released stream comes back and counts segments from 0 again. Capture time, not
     * processing time, so that a replay from a checkpoint emits the same identity. -1: unknown, i.e. state restored
     * from a version without this field while a segment was open (added later: Flink's POJO serializer restores older
     * state with the value the constructor gives).
     */
    public long segmentStartMicros = -1;
    /** Frames emitted (or dead-lettered) in the open segment. */
    public long segmentFrameCount;
    public long segmentLastTimeMicros;
    /** Highest frame index already emitted or dead-lettered for this stream (-1: none). */
    public long lastHandledFrameIndex = -1;
    /** Intrinsics of the open segment at geometry resolution: fx, fy, cx, cy; null until known. */
    public double[] intrinsics;
    public boolean intrinsicsGiven;
    /** Why the next output segment starts, when the stitcher itself ended the previous one. */
    public io.geostream.avro.SegmentReason pendingStartReason;
    /** Frames of the previous clip that the next clip holds again. */
    public ArrayList<AnchorFrame> anchors = new ArrayList<>();
    /**
     * Frames of a failed clip that the next clip was to hold again (pixels dropped); dead-lettered with
     * {@link #heldFailureReason} if the segment ends before another clip covers them.
     */
    public ArrayList<io.geostream.records.FrameRecord> heldAfterFailure = new ArrayList<>();
    public String heldFailureReason;
    public String heldFailureDetail;
    /**
     * Keyframes of the open segment (its first frame, then frames the clip cutter promoted) that later clips
     * still hold, with their fixed global geometry; at most K + 1. Only keyframe methods fill it.
     */
    public ArrayList<AnchorFrame> keyframes = new ArrayList<>();
    /** Frames held for blending with the next clip's prediction ({@link OverlapPolicy#BLENDED}), in index order. */
    public ArrayList<HeldFrame> heldForBlend = new ArrayList<>();
    /** Frames held by the per-frame method until the next clip arrives (a whole clip's new frames), in index order. */
    public ArrayList<CorrectableFrame> heldForCorrection = new ArrayList<>();
    /**
     * Per-frame correction mode: the corrections of the held clip known at its start (its consensus with the clip
     * before, or the identity at the segment's first frame), by slot.
     */
    public ArrayList<SlotCorrection> startCorrections = new ArrayList<>();

    public StitcherState() {}

    /**
     * Estimated heap bytes of the per-pixel arrays this state holds (held frames' geometry and RGB, anchors' and
     * keyframes' grids): what dominates its size, for bounding caches of it. Small fields count a fixed 1 KB.
     */
    public long heapBytes() {
        long bytes = 1024;
        for (AnchorFrame a : anchors) bytes += anchorBytes(a);
        for (AnchorFrame a : keyframes) bytes += anchorBytes(a);
        for (HeldFrame h : heldForBlend) bytes += heldBytes(h);
        if (heldForCorrection != null) for (CorrectableFrame c : heldForCorrection) bytes += heldBytes(c.held);
        return bytes;
    }

    private static long anchorBytes(AnchorFrame a) {
        return 4L * (length(a.gridPoints) + length(a.gridConfidence));
    }

    private static long heldBytes(HeldFrame h) {
        if (h == null) return 0;
        long rgb = h.frame == null || h.frame.rgb == null ? 0 : h.frame.rgb.length;
        return rgb + 4L * (length(h.worldPoints) + length(h.normalsWorld) + length(h.confidence))
                + (h instanceof CompactHeldFrame c ? 2L * (length(c.normalsWorldHalf) + length(c.confidenceHalf)) : 0)
                + (h instanceof HalfPointsHeldFrame p ? 2L * length(p.pointsHalf) : 0);
    }

    private static int length(float[] a) {
        return a == null ? 0 : a.length;
    }

    private static int length(short[] a) {
        return a == null ? 0 : a.length;
    }

    /**
     * A copy of this state with {@link #heldForCorrection} null: every other field the same (lists and arrays shared, not
     * cloned). For a state backend that keeps the held frames as values of their own: the null says where they are (a
     * state written with the frames inside, by an earlier version, always holds a list, empty or not).
     */
    public StitcherState withoutHeldForCorrection() {
        StitcherState c = new StitcherState();
        c.segmentOpen = segmentOpen;
        c.segmentId = segmentId;
        c.segmentFirstIndex = segmentFirstIndex;
        c.segmentStartMicros = segmentStartMicros;
        c.segmentFrameCount = segmentFrameCount;
        c.segmentLastTimeMicros = segmentLastTimeMicros;
        c.lastHandledFrameIndex = lastHandledFrameIndex;
        c.intrinsics = intrinsics;
        c.intrinsicsGiven = intrinsicsGiven;
        c.pendingStartReason = pendingStartReason;
        c.anchors = anchors;
        c.heldAfterFailure = heldAfterFailure;
        c.heldFailureReason = heldFailureReason;
        c.heldFailureDetail = heldFailureDetail;
        c.keyframes = keyframes;
        c.heldForBlend = heldForBlend;
        c.heldForCorrection = null;
        c.startCorrections = startCorrections;
        return c;
    }

    /** The per-frame method's held frames (an empty list in state restored from before the method existed). */
    ArrayList<CorrectableFrame> heldForCorrection() {
        if (heldForCorrection == null) heldForCorrection = new ArrayList<>();
        return heldForCorrection;
    }

    /** The per-frame method's start corrections (likewise never null). */
    ArrayList<SlotCorrection> startCorrections() {
        if (startCorrections == null) startCorrections = new ArrayList<>();
        return startCorrections;
    }
}
