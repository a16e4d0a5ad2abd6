package io.geostream.operators.sink;

import io.geostream.records.OutputRecord;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.Objects;

/** Routes each output record to its topic by kind; key and value are already encoded. */
public class OutputRecordSerializer implements KafkaRecordSerializationSchema<OutputRecord> {
    private static final long serialVersionUID = 1L;

    private final String geometryTopic;
    private final String segmentsTopic;
    private final String deadLetterTopic;
    private final String correctionsTopic;

    public OutputRecordSerializer(String geometryTopic, String segmentsTopic, String deadLetterTopic, String correctionsTopic) {
        this.geometryTopic = Objects.requireNonNull(geometryTopic, "geometryTopic");
        this.segmentsTopic = Objects.requireNonNull(segmentsTopic, "segmentsTopic");
        this.deadLetterTopic = Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        this.correctionsTopic = Objects.requireNonNull(correctionsTopic, "correctionsTopic");
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(OutputRecord r, KafkaSinkContext context, Long timestamp) {
        String topic = switch (r.kind) {
            case GEOMETRY -> geometryTopic;
            case SEGMENT -> segmentsTopic;
            case DEAD_LETTER -> deadLetterTopic;
            case CORRECTION -> correctionsTopic;
        };
        // No record timestamp: the producer stamps wall-clock time. The element timestamp is the frame's
        // capture time, which for replayed or synthetic footage can be older than the topic's retention
        // (7 days by default); the broker would then delete the output soon after it was committed.
        // Capture time travels in the payload.
        return new ProducerRecord<>(topic, null, null, r.key, r.value);
    }
}
