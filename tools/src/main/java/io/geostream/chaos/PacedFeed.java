package io.geostream.chaos;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A live camera feed made from a published input: its records copied, in order, into another topic at a fixed rate
 * (same partition, key, value, headers and timestamp), so a fault lands while frames flow, as in production, rather
 * than after a backlog was drained in seconds. The producer is idempotent and waits up to 10 minutes for the broker,
 * as a camera's buffer would: a broker outage delays the feed and neither loses nor duplicates a frame.
 */
public final class PacedFeed implements AutoCloseable {
    private static final Duration WAIT_FOR_BROKER = Duration.ofMinutes(10);

    private final Thread thread;
    private final AtomicInteger published = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final int total;
    private volatile boolean stop;

    private PacedFeed(String bootstrapServers, List<ConsumerRecord<byte[], byte[]>> records, String topic, double perSecond) {
        this.total = records.size();
        this.thread = new Thread(() -> run(bootstrapServers, records, topic, perSecond), "chaos-paced-feed");
        thread.setDaemon(true);
    }

    /** Every record of {@code topic}, oldest first across partitions (order within a partition kept). */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrapServers, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024));
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(topic, Duration.ofSeconds(30))) parts.add(new TopicPartition(topic, info.partition()));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("could not read " + topic + " to its end");
                c.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        all.sort(Comparator.<ConsumerRecord<byte[], byte[]>>comparingLong(ConsumerRecord::timestamp)
                .thenComparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
        return all;
    }

    /** Starts copying {@code records} into {@code topic} (same partitions), {@code perSecond} records a second. */
    public static PacedFeed start(String bootstrapServers, List<ConsumerRecord<byte[], byte[]>> records, String topic, double perSecond) {
        if (!(perSecond > 0)) throw new IllegalArgumentException("the feed rate must be > 0, got " + perSecond);
        PacedFeed feed = new PacedFeed(bootstrapServers, records, topic, perSecond);
        feed.thread.start();
        return feed;
    }

    private void run(String bootstrapServers, List<ConsumerRecord<byte[], byte[]>> records, String topic, double perSecond) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(8 * 1024 * 1024));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(WAIT_FOR_BROKER.toMillis()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(WAIT_FOR_BROKER.toMillis()));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            for (int i = 0; i < records.size() && !stop; i++) {
                long due = start + (long) (i * 1e9 / perSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                ConsumerRecord<byte[], byte[]> r = records.get(i);
                producer.send(new ProducerRecord<>(topic, r.partition(), r.timestamp(), r.key(), r.value(), r.headers()), (md, e) -> {
                    if (e != null) failure.compareAndSet(null, e);
                    else published.incrementAndGet();
                });
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    /** Records the broker acknowledged so far. */
    public int published() {
        return published.get();
    }

    /** Whether every record was acknowledged; throws if the feed failed. */
    public boolean done() {
        Throwable t = failure.get();
        if (t != null) throw new IllegalStateException("the paced feed failed after " + published() + " records: " + t, t);
        return published() == total;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(WAIT_FOR_BROKER.toMillis());
    }
}
