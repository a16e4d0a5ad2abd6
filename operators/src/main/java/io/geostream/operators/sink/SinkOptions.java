package io.geostream.operators.sink;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/** Settings of the sink stage: the exactly-once Kafka sink and its topics. Keys under {@code geostream.}; the job reads them in {@code GeometryJob}. */
public final class SinkOptions {
    private SinkOptions() {}

    public static final ConfigOption<String> GEOMETRY_TOPIC = ConfigOptions.key("geostream.topics.geometry")
            .stringType().defaultValue("geostream.geometry").withDescription("Output topic of GeometryFrames.");

    public static final ConfigOption<String> SEGMENTS_TOPIC = ConfigOptions.key("geostream.topics.segments")
            .stringType().defaultValue("geostream.segments").withDescription("Output topic of SegmentEvents.");

    public static final ConfigOption<String> DEAD_LETTER_TOPIC = ConfigOptions.key("geostream.topics.dead-letters")
            .stringType().defaultValue("geostream.dead-letters").withDescription("Output topic of DeadLetters.");

    public static final ConfigOption<String> CORRECTIONS_TOPIC = ConfigOptions.key("geostream.topics.corrections")
            .stringType().defaultValue("geostream.corrections")
            .withDescription("Output topic of SegmentCorrections (loop closure, geostream.loop.enabled); create it compacted "
                    + "(cleanup.policy=compact): each segment's latest record supersedes the earlier ones.");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX = ConfigOptions.key("geostream.sink.transactional-id-prefix")
            .stringType().defaultValue("geostream").withDescription("Stable transactional id prefix of the exactly-once sink; unique per job.");

    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT = ConfigOptions.key("geostream.sink.transaction-timeout")
            .durationType().defaultValue(Duration.ofMinutes(10))
            .withDescription("Kafka transaction.timeout.ms: above the longest checkpoint plus restart, at most the broker's "
                    + "transaction.max.timeout.ms (15 min by default) or the sink restarts forever.");
}
