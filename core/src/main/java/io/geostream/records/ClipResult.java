package io.geostream.records;

/**
 * Inference's answer for one {@link ClipTask}: geometry, or the typed reason why there is none. Flink's
 * {@code ResultFuture} has no side output, so failures travel in-band and the stitcher turns them
 * into dead letters. A Flink POJO: arrays are per slot, channels interleaved per pixel.
 */
public class ClipResult {
    public ClipTask task;
    /** Geometry resolution (may differ from the frames' resolution when the model resizes). */
    public int width;
    public int height;
    public float[][] pointMaps;
    public float[][] normals;
    /** Per-slot confidence, or null when the model has none. */
    public float[][] confidence;
    public String modelId;
    public String modelVersion;
    /** Null on success; else a dead-letter reason code (e.g. MODEL_TIMEOUT). */
    public String failureReason;
    public String failureDetail;
    /** How many attempts inference made. */
    public int attempts;
    /**
     * Wall time from handing the clip to the model host to its result (queue, batching and retries included), in
     * milliseconds; -1 where unknown (markers, timeouts, results from before this field).
     */
    public long inferenceMillis = -1;

    public ClipResult() {}

    /** A shallow copy with other point maps (the arrays of the other fields are shared). */
    public ClipResult withPointMaps(float[][] maps) {
        ClipResult c = new ClipResult();
        c.task = task;
        c.width = width;
        c.height = height;
        c.pointMaps = maps;
        c.normals = normals;
        c.confidence = confidence;
        c.modelId = modelId;
        c.modelVersion = modelVersion;
        c.failureReason = failureReason;
        c.failureDetail = failureDetail;
        c.attempts = attempts;
        c.inferenceMillis = inferenceMillis;
        return c;
    }

    public boolean failed() {
        return failureReason != null;
    }
}
