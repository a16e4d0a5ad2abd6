package io.geostream.loop;

import io.geostream.avro.KeyframeCorrection;
import io.geostream.avro.SegmentCorrection;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.avro.SegmentReason;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link LoopCorrection} as the {@code SegmentCorrection} record the job publishes, and back: the one place where the
 * wire form (quaternion x y z w, per-keyframe similarity) meets the geometry.
 */
public final class SegmentCorrectionRecords {
    private SegmentCorrectionRecords() {}

    /**
     * @param loopCaptureTimeMicros capture time of the frame that closed the loop
     */
    public static SegmentCorrection toRecord(String streamId, LoopCorrection c, long loopCaptureTimeMicros, String modelId,
                                             String modelVersion) {
        long[] keyframes = c.keyframes();
        List<KeyframeCorrection> out = new ArrayList<>(keyframes.length);
        for (int i = 0; i < keyframes.length; i++) {
            Sim3 e = c.worldCorrections().get(i);
            double[] q = Rotations.toQuaternion(e.rotation());
            double[] t = e.translation();
            out.add(KeyframeCorrection.newBuilder().setFrameIndex(keyframes[i]).setScale(e.scale())
                    .setQx(q[0]).setQy(q[1]).setQz(q[2]).setQw(q[3]).setTx(t[0]).setTy(t[1]).setTz(t[2]).build());
        }
        return SegmentCorrection.newBuilder().setStreamId(streamId).setSegmentId(c.segmentId())
                .setSegmentStartMicros(c.segmentStartMicros()).setVersion(c.version()).setLoopNewFrameIndex(c.loopNewFrame())
                .setLoopOldFrameIndex(c.loopOldFrame()).setLoopInliers(c.loopInliers())
                .setLoopCaptureTimeMicros(loopCaptureTimeMicros).setKeyframes(out)
                .setModelId(modelId == null ? "" : modelId).setModelVersion(modelVersion == null ? "" : modelVersion)
                .setWorldSegmentId(c.worldSegmentId()).setWorldSegmentStartMicros(c.worldSegmentStartMicros()).build();
    }

    /**
     * The segment event that says a segment was re-localised ({@link LoopCorrection#relocalised}): published beside the
     * segment's first correction into the earlier segment's world, so that a reader of the segments topic alone learns
     * that the stream stayed in one world across the break. Its first frame is the segment's first keyframe (the
     * correction's first; nothing has settled by the time a segment re-localises).
     *
     * @param captureTimeMicros capture time of the keyframe that confirmed the re-localisation
     * @throws IllegalArgumentException if {@code c} is not a re-localisation
     */
    public static SegmentEvent relocalisedEvent(String streamId, LoopCorrection c, long captureTimeMicros, String modelId,
                                                String modelVersion) {
        if (!c.relocalised()) throw new IllegalArgumentException("not a re-localisation: " + c.segmentId());
        return SegmentEvent.newBuilder().setStreamId(streamId).setSegmentId(c.segmentId())
                .setSegmentStartMicros(c.segmentStartMicros()).setKind(SegmentEventKind.RELOCALISED)
                .setReason(SegmentReason.UNKNOWN)
                .setDetail(String.format(Locale.ROOT, "re-localised at keyframe %d against keyframe %d of the segment before"
                        + " (%d inliers): in the world of segment %d", c.loopNewFrame(), c.loopOldFrame(), c.loopInliers(),
                        c.worldSegmentId()))
                .setFirstFrameIndex(c.keyframes()[0]).setLastFrameIndex(null).setFrameCount(0)
                .setEventTimeMicros(captureTimeMicros)
                .setModelId(modelId == null ? "" : modelId).setModelVersion(modelVersion == null ? "" : modelVersion)
                .setWorldSegmentId(c.worldSegmentId()).setWorldSegmentStartMicros(c.worldSegmentStartMicros()).build();
    }

    /**
     * The correction a record carries, to apply with {@link LoopCorrection#forFrame} or {@link LoopCorrection#correctPose}.
     *
     * @throws IllegalArgumentException if the record breaks its schema's rules (no keyframes, indices not increasing,
     *                                  a scale that is not positive, a quaternion far from unit length)
     */
    public static LoopCorrection fromRecord(SegmentCorrection r) {
        List<KeyframeCorrection> kfs = r.getKeyframes();
        long[] indices = new long[kfs.size()];
        List<Sim3> corrections = new ArrayList<>(kfs.size());
        for (int i = 0; i < indices.length; i++) {
            KeyframeCorrection k = kfs.get(i);
            indices[i] = k.getFrameIndex();
            double norm = Math.sqrt(k.getQx() * k.getQx() + k.getQy() * k.getQy() + k.getQz() * k.getQz() + k.getQw() * k.getQw());
            if (!(Math.abs(norm - 1) < 1e-3)) {
                throw new IllegalArgumentException("keyframe " + k.getFrameIndex() + ": quaternion norm " + norm + ", expected 1");
            }
            corrections.add(new Sim3(k.getScale(), Rotations.fromQuaternion(k.getQx() / norm, k.getQy() / norm,
                    k.getQz() / norm, k.getQw() / norm), new double[] {k.getTx(), k.getTy(), k.getTz()}));
        }
        return new LoopCorrection(r.getSegmentId(), r.getSegmentStartMicros(), r.getVersion(), r.getLoopNewFrameIndex(),
                r.getLoopOldFrameIndex(), r.getLoopInliers(), indices, corrections,
                r.getWorldSegmentId() < 0 ? -1 : r.getWorldSegmentId(), r.getWorldSegmentId() < 0 ? -1 : r.getWorldSegmentStartMicros());
    }

    /**
     * The Kafka key of a segment's corrections: UTF-8 {@code <streamId>/<segmentStartMicros>/<segmentId>} (a stream id
     * has no '/'), so that compaction keeps each segment's latest record.
     */
    public static byte[] key(String streamId, long segmentStartMicros, long segmentId) {
        return (streamId + "/" + segmentStartMicros + "/" + segmentId).getBytes(StandardCharsets.UTF_8);
    }
}
