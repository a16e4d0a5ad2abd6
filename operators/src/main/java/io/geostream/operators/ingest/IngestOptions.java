package io.geostream.operators.ingest;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Settings of the ingest stage: the Kafka source of frames and the decoding limits. Keys under {@code geostream.}; the job reads them in {@code GeometryJob}. */
public final class IngestOptions {
    private IngestOptions() {}

    public static final ConfigOption<String> GROUP_ID = ConfigOptions.key("geostream.kafka.group-id")
            .stringType().defaultValue("geostream").withDescription("Consumer group id of the frame source.");

    public static final ConfigOption<String> INPUT_TOPIC = ConfigOptions.key("geostream.topics.frames")
            .stringType().defaultValue("geostream.frames").withDescription("Input topic of FrameEvents (key = stream id).");

    public static final ConfigOption<Boolean> BOUNDED = ConfigOptions.key("geostream.source.bounded")
            .booleanType().defaultValue(false)
            .withDescription("Stop at the input topic's end offsets taken at start (demo, tests, backfills).");

    public static final ConfigOption<Integer> MAX_ENCODED_BYTES = ConfigOptions.key("geostream.ingest.max-encoded-bytes")
            .intType().defaultValue(32 * 1024 * 1024)
            .withDescription("Largest encoded image (inline or fetched by claim check), bytes; a Kafka record larger than "
                    + "this plus 64 KiB is dead-lettered as DECODE_TOO_LARGE before decoding.");

    public static final ConfigOption<Boolean> CLAIM_CHECK = ConfigOptions.key("geostream.ingest.claim-check")
            .booleanType().defaultValue(false)
            .withDescription("Fetch image.ref claim checks from the job's S3 bucket (geostream.storage.s3.bucket, the only "
                    + "bucket allowed), checking size and SHA-256; when false every reference is dead-lettered.");
}
