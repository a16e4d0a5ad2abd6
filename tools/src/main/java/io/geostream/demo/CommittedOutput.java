package io.geostream.demo;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentCorrection;
import io.geostream.avro.SegmentEvent;
import io.geostream.schemas.RecordDecodingException;
import io.geostream.schemas.SingleObjectCodec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The job's committed output, read back as a downstream consumer would ({@code read_committed}), up to
 * the end offsets at the time of reading.
 */
public record CommittedOutput(List<GeometryFrame> frames, List<SegmentEvent> segments, List<DeadLetter> deadLetters,
                              List<SegmentCorrection> corrections) {

    /** The output without the corrections topic (none read). */
    public static CommittedOutput read(String bootstrapServers, String geometryTopic, String segmentsTopic, String deadLetterTopic)
            throws RecordDecodingException {
        return read(bootstrapServers, geometryTopic, segmentsTopic, deadLetterTopic, null);
    }

    /** @param correctionsTopic the SegmentCorrection topic, or null to read none */
    public static CommittedOutput read(String bootstrapServers, String geometryTopic, String segmentsTopic, String deadLetterTopic,
                                       String correctionsTopic) throws RecordDecodingException {
        List<GeometryFrame> frames = new ArrayList<>();
        for (byte[] v : readAll(bootstrapServers, geometryTopic)) frames.add(SingleObjectCodec.geometryFrames().decode(v));
        List<SegmentEvent> segments = new ArrayList<>();
        for (byte[] v : readAll(bootstrapServers, segmentsTopic)) segments.add(SingleObjectCodec.segmentEvents().decode(v));
        List<DeadLetter> dead = new ArrayList<>();
        for (byte[] v : readAll(bootstrapServers, deadLetterTopic)) dead.add(SingleObjectCodec.deadLetters().decode(v));
        List<SegmentCorrection> corrections = new ArrayList<>();
        if (correctionsTopic != null) {
            for (byte[] v : readAll(bootstrapServers, correctionsTopic)) corrections.add(SingleObjectCodec.segmentCorrections().decode(v));
        }
        return new CommittedOutput(frames, segments, dead, corrections);
    }

    /** All committed values of a topic, partition by partition, in offset order. */
    public static List<byte[]> readAll(String bootstrapServers, String topic) {
        List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = fromBeginning(bootstrapServers, topic)) {
            List<TopicPartition> parts = new ArrayList<>(c.assignment());
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.currentTimeMillis() + 60_000;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("timed out reading " + topic);
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }

    /** A {@code read_committed} consumer without a group, assigned every partition of {@code topic} from the beginning. */
    static KafkaConsumer<byte[], byte[]> fromBeginning(String bootstrapServers, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024));
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }
}
