package io.geostream.operators.stitch;

import io.geostream.records.ClipResult;
import io.geostream.records.FrameRecord;

/**
 * When the clip whose arrival released a batch of stitched frames passed each stage of the job, for the stages of
 * {@code pipelineOverheadMs}: a frame's wall time from the capture of that clip's newest frame to its own hand-off
 * downstream, less the model host's time for the clip, split where the job can tell (wall clock, milliseconds):
 * <ol>
 *   <li>{@link OverheadStage#INGEST}: capture of the newest frame to its ingest (camera and Kafka to the job's source, decode;
 *   a camera clock off the job's shows here);</li>
 *   <li>{@link OverheadStage#CLIP}: its ingest to the clip operator handing the clip on (the keyed exchange, the clip operator);</li>
 *   <li>{@link OverheadStage#HANDOFF}: that to the start of the clip's stitching, less the model host's time (the async
 *   operator's hand-off, the stitch stage's reorder buffer and task thread);</li>
 *   <li>{@link OverheadStage#STITCH}: the stitcher's work on the clip;</li>
 *   <li>{@link OverheadStage#HAND_ON}: its events handed to the chained loop closer and their payload writes started;</li>
 *   <li>{@link OverheadStage#WRITE}: the frame's payload writes and its turn in the ordered output queue.</li>
 * </ol>
 * The stages add up to the overhead exactly. Unknown stamps (tasks from before {@link io.geostream.records.ClipTask#cutAtMillis},
 * a result without the model host's time) leave the frame out.
 */
final class ReleaseTimes {
    private final long newestCaptureMillis;
    private final long newestIngestMillis;
    private final long cutAtMillis;
    private final long inferenceMillis;
    private final long stitchStartMillis;
    private long stitchEndMillis = -1;
    private long handedOnMillis = -1;

    private ReleaseTimes(long newestCaptureMillis, long newestIngestMillis, long cutAtMillis, long inferenceMillis,
                         long stitchStartMillis) {
        this.newestCaptureMillis = newestCaptureMillis;
        this.newestIngestMillis = newestIngestMillis;
        this.cutAtMillis = cutAtMillis;
        this.inferenceMillis = inferenceMillis;
        this.stitchStartMillis = stitchStartMillis;
    }

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

    /** Capture time of the clip's newest frame (microseconds are what the frames carry; milliseconds here). */
    long newestCaptureMillis() {
        return newestCaptureMillis;
    }

    void stitched(long nowMillis) {
        stitchEndMillis = nowMillis;
    }

    void handedOn(long nowMillis) {
        handedOnMillis = nowMillis;
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
     * Each {@link OverheadStage}'s milliseconds for a frame handed downstream at {@code emitMillis}, in the enum's order; null
     * when a stamp is missing.
     */
    long[] stages(long emitMillis) {
        if (inferenceMillis < 0 || cutAtMillis < 0 || newestIngestMillis <= 0 || stitchEndMillis < 0 || handedOnMillis < 0) {
            return null;
        }
        return new long[] {
                newestIngestMillis - newestCaptureMillis,
                cutAtMillis - newestIngestMillis,
                stitchStartMillis - cutAtMillis - inferenceMillis,
                stitchEndMillis - stitchStartMillis,
                handedOnMillis - stitchEndMillis,
                emitMillis - handedOnMillis};
    }
}
