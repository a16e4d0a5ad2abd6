package io.geostream.records;

/**
 * One record for the Kafka sink: which topic (by kind), the key and the Avro single-object bytes.
 * All outputs go through one exactly-once sink so that a stream's geometry, segment events, loop corrections and
 * dead letters commit together.
 */
public class OutputRecord {
    /** Which output topic a record belongs to. */
    public enum Kind { GEOMETRY, SEGMENT, DEAD_LETTER, CORRECTION }

    public Kind kind;
    /** Kafka key bytes (UTF-8 stream id; for corrections the segment identity), or null when unknown. */
    public byte[] key;
    /** Avro single-object encoded value. */
    public byte[] value;

    public OutputRecord() {}

    public OutputRecord(Kind kind, byte[] key, byte[] value) {
        this.kind = kind;
        this.key = key;
        this.value = value;
    }
}
