package io.geostream.map;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.Pose;
import io.geostream.avro.SegmentCorrection;
import io.geostream.geometry.Sim3;
import io.geostream.loop.LoopCorrection;
import io.geostream.loop.SegmentCorrectionRecords;

import java.util.HashMap;
import java.util.Map;

/**
 * The latest loop-closure correction of each segment of one stream (or of every stream), and what it does to a frame. Records are absolute
 * (each maps the geometry as published), so the highest version of a segment is all that counts, whatever order the
 * records come in; applying it to a published frame gives the corrected frame. No Kafka types: the caller supplies the
 * decoded records.
 */
public final class SegmentCorrections {
    /** A segment of a stream. */
    private record Key(String streamId, long segmentStartMicros, long segmentId) {}

    private final String streamId;
    private final Map<Key, LoopCorrection> latest = new HashMap<>();
    private long rejected;

    /** @param streamIdOrNull the stream whose corrections are kept, or null for every stream's */
    public SegmentCorrections(String streamIdOrNull) {
        this.streamId = streamIdOrNull;
    }

    /** Keeps the record if it is of this stream and newer than the segment's correction so far. */
    public void accept(SegmentCorrection r) {
        if (streamId != null && !streamId.equals(r.getStreamId())) return;
        Key key = new Key(r.getStreamId(), r.getSegmentStartMicros(), r.getSegmentId());
        LoopCorrection known = latest.get(key);
        if (known != null && known.version() >= r.getVersion()) return;
        try {
            latest.put(key, SegmentCorrectionRecords.fromRecord(r));
        } catch (IllegalArgumentException e) {
            rejected++; // breaks the schema's rules: the segment stays as it was
        }
    }

    /** Records dropped because they broke the schema's rules. */
    public long rejected() {
        return rejected;
    }

    /** The version applied to a segment of a stream, 0 when it has none. */
    public int version(String stream, long segmentStartMicros, long segmentId) {
        LoopCorrection c = latest.get(new Key(stream, segmentStartMicros, segmentId));
        return c == null ? 0 : c.version();
    }

    /**
     * The segment whose corrected world a segment's correction maps it into (re-localised after a break: its PLY and
     * that segment's overlay), or null when it is corrected in its own world or has no correction.
     */
    public SegmentKey worldOf(String stream, long segmentStartMicros, long segmentId) {
        LoopCorrection c = latest.get(new Key(stream, segmentStartMicros, segmentId));
        return c == null || !c.relocalised() ? null : new SegmentKey(c.worldSegmentStartMicros(), c.worldSegmentId());
    }

    /** The world-to-world correction of a published frame (blended about its camera centre), or null when none. */
    public Sim3 forFrame(GeometryFrame g) {
        LoopCorrection c = latest.get(new Key(g.getStreamId(), g.getSegmentStartMicros(), g.getSegmentId()));
        if (c == null) return null;
        Pose p = g.getWorldFromCamera();
        return c.forFrame(g.getFrameIndex(), new double[] {p.getTx(), p.getTy(), p.getTz()});
    }
}
