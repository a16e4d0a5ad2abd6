package io.geostream.operators.sink;

import io.geostream.avro.DeadLetter;
import io.geostream.records.FrameRecord;
import io.geostream.records.OutputRecord;
import io.geostream.records.RawRecord;
import io.geostream.schemas.SingleObjectCodec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds dead-letter records. Every rejected input becomes one, with a stable reason code. */
public final class DeadLetters {
    /** Rejected payloads up to this size travel inside the dead letter; larger ones are only sized. */
    public static final int MAX_INLINE_PAYLOAD = 256 * 1024;
    /** Stream ids (possibly hostile) are cut to this length in dead letters. */
    private static final int MAX_ECHOED_ID = 256;

    private DeadLetters() {}

    /** A dead letter for raw input that could not become a frame. */
    public static DeadLetter forRaw(RawRecord raw, String reasonCode, String detail, String stage, String streamId, Long frameIndex) {
        byte[] payload = raw.value;
        return DeadLetter.newBuilder()
                .setReasonCode(reasonCode)
                .setDetail(truncate(detail, 2000))
                .setStage(stage)
                .setSourceTopic(raw.topic)
                .setSourcePartition(raw.partition)
                .setSourceOffset(raw.offset)
                .setStreamId(streamId == null ? null : printable(truncate(streamId, MAX_ECHOED_ID)))
                .setFrameIndex(frameIndex)
                .setPayload(payload != null && payload.length <= MAX_INLINE_PAYLOAD ? ByteBuffer.wrap(payload) : null)
                .setPayloadUri(null)
                .setPayloadSizeBytes(payload == null ? 0 : payload.length)
                .setRejectedAtMillis(System.currentTimeMillis())
                .build();
    }

    /** A dead letter for a valid frame that was dropped later (duplicate, late, inference failure). */
    public static DeadLetter forFrame(FrameRecord f, String reasonCode, String detail, String stage) {
        return DeadLetter.newBuilder()
                .setReasonCode(reasonCode)
                .setDetail(truncate(detail == null ? "" : detail, 2000))
                .setStage(stage)
                .setSourceTopic(f.sourceTopic)
                .setSourcePartition(f.sourcePartition < 0 ? null : f.sourcePartition)
                .setSourceOffset(f.sourceOffset < 0 ? null : f.sourceOffset)
                .setStreamId(f.streamId)
                .setFrameIndex(f.frameIndex)
                .setPayload(null)
                .setPayloadUri(null)
                .setPayloadSizeBytes(f.rgb == null ? 0 : f.rgb.length)
                .setRejectedAtMillis(System.currentTimeMillis())
                .build();
    }

    /** Wraps a dead letter for the sink (key = stream id when known). */
    public static OutputRecord toOutput(DeadLetter d) {
        byte[] key = d.getStreamId() == null ? null : d.getStreamId().getBytes(StandardCharsets.UTF_8);
        return new OutputRecord(OutputRecord.Kind.DEAD_LETTER, key, SingleObjectCodec.deadLetters().encode(d));
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /** Replaces control characters so a hostile id cannot forge log lines or terminal output. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }
}
