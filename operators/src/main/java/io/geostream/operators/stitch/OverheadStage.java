package io.geostream.operators.stitch;

/**
 * The stages of a frame's latency before the commit, as the stitch stage measures them (see {@code ReleaseTimes}):
 * each has a histogram {@code pipelineOverhead<Stage>Ms}; for a frame whose clip carries every stamp they add up to
 * its {@code pipelineOverheadMs} (unless clocks differ so much that the whole, clipped at 0, was negative).
 */
public enum OverheadStage {
    /** Capture of the releasing clip's newest frame to its ingest: the camera, Kafka, the job's source, decoding. */
    INGEST("Ingest"),
    /**
     * That frame's ingest to the clip operator handing the clip on: the keyed exchange, and the clip operator's task
     * thread, which it shares with inference's hand-off, the stitcher and each checkpoint's synchronous part.
     */
    CLIP("Clip"),
    /** To the start of the clip's stitching, less the model host's time: the async hand-off, reorder buffer, state read. */
    HANDOFF("Handoff"),
    /** The stitcher's work on the clip until it hands out the frame's event (the frame's payload writes then start). */
    STITCH("Stitch"),
    /**
     * The frame's payload writes, its turn in the stream's ordered output, and the task thread's: the rest of the
     * clip's stitching runs on it while the writes are under way.
     */
    WRITE("Write");

    private final String part;

    OverheadStage(String part) {
        this.part = part;
    }

    /** The short name in the metric ("Ingest", "Stitch", ...). */
    public String part() {
        return part;
    }

    /** The stitch stage's histogram of this stage, {@code pipelineOverhead<Stage>Ms}. */
    public String metricName() {
        return "pipelineOverhead" + part + "Ms";
    }
}
