package io.geostream.demo;

import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.time.Duration;

/**
 * Counts a topic's committed ({@code read_committed}) records as they come, from the beginning: the demo's progress
 * while the job runs (the geometry topic holds one record per frame out). Reads on from where it was, so each
 * {@link #poll} is cheap.
 */
final class CommittedFrameCounter implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private long count;

    CommittedFrameCounter(String bootstrapServers, String topic) {
        consumer = CommittedOutput.fromBeginning(bootstrapServers, topic);
    }

    /** Reads what has been committed since the last call (waiting at most {@code timeout}); returns the count so far. */
    long poll(Duration timeout) {
        count += consumer.poll(timeout).count();
        return count;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
