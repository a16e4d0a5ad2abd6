package io.geostream.map;

import io.geostream.schemas.RecordDecodingException;
import io.geostream.schemas.SingleObjectCodec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/**
 * Reads one stream's (or every stream's) committed ({@code read_committed}) GeometryFrames and SegmentEvents from
 * Kafka and feeds them to a {@link MapInput} ({@link StreamMap}, {@link StreamMaps}). Bounded mode stops at the end
 * offsets taken at start; follow mode runs until {@code stop} says so, writing snapshots every
 * {@code snapshotInterval}. The consumer has no group: it always starts from the beginning of both topics.
 *
 * <p>With {@link #withCorrections}, the corrections topic (compacted, keyed {@code <stream>/<start>/<segment>}) is read
 * to its end first, so that a bounded run fuses every frame with its segment's latest correction; a follow run also
 * keeps reading it, and a correction that comes later applies to the frames fused after it.
 */
public final class MapBuilder {
    /** Bounded mode gives up when no record arrives for this long while offsets remain to be read. */
    public static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    private final String bootstrapServers;
    private final String geometryTopic;
    private final String segmentsTopic;
    private final String streamId;
    private final Map<String, String> clientProperties;
    private final MapInput map;
    private String clientId;
    private final PrintWriter progress;
    private long undecodable;
    private String correctionsTopic;
    private SegmentCorrections corrections;

    public MapBuilder(String bootstrapServers, String geometryTopic, String segmentsTopic, String streamId, MapInput map,
                      PrintWriter progress) {
        this(bootstrapServers, Map.of(), geometryTopic, segmentsTopic, streamId, map, progress);
    }

    /**
     * @param clientProperties extra consumer settings (security); the ones the map relies on are set after them
     * @param streamId         the one stream to read, or null for every stream
     */
    public MapBuilder(String bootstrapServers, Map<String, String> clientProperties, String geometryTopic, String segmentsTopic,
                      String streamId, MapInput map, PrintWriter progress) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.geometryTopic = geometryTopic;
        this.segmentsTopic = segmentsTopic;
        this.streamId = streamId;
        this.map = map;
        this.progress = progress;
        this.clientId = "geostream-map-" + (streamId == null ? "all-streams" : streamId);
    }

    /** The Kafka client id (default {@code geostream-map-<stream>}). */
    public MapBuilder withClientId(String clientId) {
        this.clientId = clientId;
        return this;
    }

    /** Also reads {@code topic}'s SegmentCorrections of this stream into {@code into} (which the map applies). */
    public MapBuilder withCorrections(String topic, SegmentCorrections into) {
        this.correctionsTopic = topic;
        this.corrections = into;
        return this;
    }

    /** Records of this stream that did not decode (skipped, reported on the progress stream). */
    public long undecodable() {
        return undecodable;
    }

    /**
     * Runs to the end offsets at start ({@code follow == false}) or until {@code stop} returns true.
     * A {@link WakeupException} (from {@link KafkaConsumer#wakeup()} on shutdown) also ends a follow run.
     */
    public void run(boolean follow, Duration snapshotInterval, BooleanSupplier stop) throws IOException {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        byte[] key = streamId == null ? null : streamId.getBytes(StandardCharsets.UTF_8);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : List.of(geometryTopic, segmentsTopic)) {
                var infos = c.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) throw new IOException("topic " + topic + " does not exist");
                infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            }
            if (corrections != null) {
                List<TopicPartition> correctionParts = partitions(c, correctionsTopic);
                if (correctionParts.isEmpty()) {
                    progress.printf(Locale.ROOT, "corrections topic %s does not exist: segments stay uncorrected%n", correctionsTopic);
                } else {
                    readToEnd(c, correctionParts, key);
                    if (follow) parts.addAll(correctionParts);
                }
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = follow ? Map.of() : c.endOffsets(parts, Duration.ofSeconds(30));
            Map<TopicPartition, Long> start = new HashMap<>(c.beginningOffsets(parts, Duration.ofSeconds(30)));
            long total = 0;
            for (TopicPartition tp : end.keySet()) total += end.get(tp) - start.get(tp);
            long read = 0;
            long lastRecord = System.nanoTime(), lastSnapshot = System.nanoTime(), lastProgress = 0;
            while (true) {
                if (follow ? stop.getAsBoolean() : parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) break;
                if (!follow && System.nanoTime() - lastRecord > STALL_TIMEOUT.toNanos()) {
                    throw new IOException("no record for " + STALL_TIMEOUT.toSeconds() + " s with " + (total - read)
                            + " offsets left to read (broker unreachable?)");
                }
                Iterable<ConsumerRecord<byte[], byte[]>> batch;
                try {
                    batch = c.poll(Duration.ofMillis(200));
                } catch (WakeupException e) {
                    if (follow) break;
                    throw e;
                }
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    read++;
                    lastRecord = System.nanoTime();
                    handle(r, key);
                }
                long now = System.nanoTime();
                if (now - lastProgress > 2_000_000_000L) {
                    lastProgress = now;
                    progress.printf(Locale.ROOT, "map %s: %s records read, %d frames fused, %d segments, %d voxels in memory%n",
                            streamId == null ? "(all streams)" : streamId, follow ? String.valueOf(read) : read + "/" + total, map.framesFused(), map.segmentCount(),
                            map.voxelsInMemory());
                    progress.flush();
                }
                if (follow && now - lastSnapshot > snapshotInterval.toNanos()) {
                    lastSnapshot = now;
                    map.writeSnapshots();
                }
            }
        }
        map.writeSnapshots();
    }

    /** One record of any of the topics read. */
    private void handle(ConsumerRecord<byte[], byte[]> r, byte[] key) throws IOException {
        boolean correction = corrections != null && r.topic().equals(correctionsTopic);
        // Records are keyed by stream id (corrections by <stream>/<start>/<segment>): skip other streams undecoded.
        if (key != null && (r.key() == null
                || (correction ? !startsWith(r.key(), key, (byte) '/') : !Arrays.equals(r.key(), key)))) return;
        if (r.value() == null) return; // a tombstone
        try {
            if (correction) corrections.accept(SingleObjectCodec.segmentCorrections().decode(r.value()));
            else if (r.topic().equals(geometryTopic)) map.accept(SingleObjectCodec.geometryFrames().decode(r.value()));
            else map.accept(SingleObjectCodec.segmentEvents().decode(r.value()));
        } catch (RecordDecodingException e) {
            undecodable++;
            progress.printf(Locale.ROOT, "skipped undecodable record %s-%d@%d: %s%n", r.topic(), r.partition(),
                    r.offset(), e.getMessage());
        }
    }

    private static boolean startsWith(byte[] key, byte[] prefix, byte then) {
        if (key.length <= prefix.length || key[prefix.length] != then) return false;
        return Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c, String topic) {
        var infos = c.partitionsFor(topic, Duration.ofSeconds(30));
        List<TopicPartition> out = new ArrayList<>();
        if (infos != null) infos.forEach(i -> out.add(new TopicPartition(topic, i.partition())));
        return out;
    }

    /** Reads the partitions from their beginning to their end offsets now (the corrections, before any frame). */
    private void readToEnd(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> parts, byte[] key) throws IOException {
        c.assign(parts);
        c.seekToBeginning(parts);
        Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
        long lastRecord = System.nanoTime();
        while (!parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
            if (System.nanoTime() - lastRecord > STALL_TIMEOUT.toNanos()) {
                throw new IOException("no record of " + parts.get(0).topic() + " for " + STALL_TIMEOUT.toSeconds() + " s (broker unreachable?)");
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                lastRecord = System.nanoTime();
                handle(r, key);
            }
        }
    }
}
