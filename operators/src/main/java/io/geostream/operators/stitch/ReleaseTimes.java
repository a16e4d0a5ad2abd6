package io.geostream.operators.stitch;

import io.geostream.records.ClipResult;
import io.geostream.records.FrameRecord;

/**
 * When the clip whose arrival released a batch of stitched frames passed each stage of the job, for the stages of
 * {@code pipelineOverheadMs} ({@link OverheadStage}): a frame's wall time from the capture of that clip's newest frame
 * to its own hand-off downstream, less the model host's time for the clip, split where the job can tell (wall clock,
 * milliseconds; the capture time in milliseconds, though frames carry microseconds). The stages add up to the overhead
 * exactly (before the whole is clipped at 0). Unknown stamps (tasks from before
 * {@link io.geostream.records.ClipTask#cutAtMillis}, a result without the model host's time) leave the frame out.
 */
record ReleaseTimes(long newestCaptureMillis, long newestIngestMillis, long cutAtMillis, long inferenceMillis,
                    long stitchStartMillis) {

    /** The clip's stamps, its stitching starting at {@code nowMillis}; null when the clip has no real frame. */
    static ReleaseTimes starting(ClipResult r, long nowMillis) {
        FrameRecord newest = null;
        for (int i = 0; i < r.task.realSlots(); i++) {
            FrameRecord f = r.task.frames[i];
            if (newest == null || f.captureTimeMicros > newest.captureTimeMicros) newest = f;
        }
        if (newest == null) return null;
        return new ReleaseTimes(Math.floorDiv(newest.captureTimeMicros, 1000L), newest.ingestTimeMillis, r.task.cutAtMillis,
                r.inferenceMillis, nowMillis);
    }

    /** Whether the result carries the model host's time for the clip (markers and timeouts do not). */
    boolean knowsModelTime() {
        return inferenceMillis >= 0;
    }

    /** The overhead of a frame of this clip handed downstream at {@code emitMillis} (needs {@link #knowsModelTime}). */
    long overheadMillis(long emitMillis) {
        return emitMillis - newestCaptureMillis - inferenceMillis;
    }

    /**
     * Each {@link OverheadStage}'s milliseconds, in the enum's order, for a frame whose event the stitcher handed out
     * (its payload writes started) at {@code eventMillis} and that went downstream at {@code emitMillis}; null when a
     * stamp is missing.
     */
    long[] stages(long eventMillis, long emitMillis) {
        if (inferenceMillis < 0 || cutAtMillis < 0 || newestIngestMillis <= 0) return null;
        return new long[] {
                newestIngestMillis - newestCaptureMillis,
                cutAtMillis - newestIngestMillis,
                stitchStartMillis - cutAtMillis - inferenceMillis,
                eventMillis - stitchStartMillis,
                emitMillis - eventMillis};
    }
}
