package io.geostream.records;

import java.util.HashMap;
import java.util.Map;

/**
 * A validated, decoded frame on its way from ingest to the clip operator (a Flink POJO: public fields,
 * no-arg constructor). An end-of-stream marker without pixels has {@code rgb == null}.
 */
public class FrameRecord {
    /** Validated camera stream id (also the key). */
    public String streamId;
    /** Frame number within the stream. */
    public long frameIndex;
    /** Capture time, microseconds since the epoch (UTC). */
    public long captureTimeMicros;
    /** The producer's end-of-stream flag. */
    public boolean endOfStream;
    /** Width in pixels (0 for a marker without pixels). */
    public int width;
    /** Height in pixels (0 for a marker without pixels). */
    public int height;
    /** Interleaved RGB8, row-major; null for an end-of-stream marker without pixels. */
    public byte[] rgb;
    /** fx, fy, cx, cy in pixels when the producer gave them, else null. */
    public double[] intrinsics;
    /** Producer metadata (e.g. the synthetic scene spec). */
    public HashMap<String, String> attributes = new HashMap<>();
    /** Wall-clock time at ingest, for the latency figure only (never for decisions). */
    public long ingestTimeMillis;
    /** Kafka coordinates of the input, for dead letters. */
    public String sourceTopic;
    public int sourcePartition = -1;
    public long sourceOffset = -1;

    public FrameRecord() {}

    /** True when this record carries pixels (false only for a pure end-of-stream marker). */
    public boolean hasImage() {
        return rgb != null;
    }

    /** A copy with every field but the pixels (a frame's identity and coordinates, to keep in state or dead-letter). */
    public FrameRecord withoutPixels() {
        FrameRecord c = new FrameRecord();
        c.streamId = streamId;
        c.frameIndex = frameIndex;
        c.captureTimeMicros = captureTimeMicros;
        c.endOfStream = endOfStream;
        c.width = width;
        c.height = height;
        c.intrinsics = intrinsics;
        c.attributes = attributes;
        c.ingestTimeMillis = ingestTimeMillis;
        c.sourceTopic = sourceTopic;
        c.sourcePartition = sourcePartition;
        c.sourceOffset = sourceOffset;
        return c;
    }

    public static HashMap<String, String> copyOf(Map<String, String> m) {
        return m == null ? new HashMap<>() : new HashMap<>(m);
    }

    @Override
    public String toString() {
        return "FrameRecord{" + streamId + "#" + frameIndex + (endOfStream ? ",eos" : "")
                + (hasImage() ? "," + width + "x" + height : ",marker") + "}";
    }
}
