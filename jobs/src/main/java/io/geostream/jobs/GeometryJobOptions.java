package io.geostream.jobs;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/** Every setting of {@link GeometryJob}, as Flink {@link ConfigOption}s (config file keys or {@code -D} flags). */
public final class GeometryJobOptions {
    private GeometryJobOptions() {}

    public static final ConfigOption<String> BOOTSTRAP_SERVERS = ConfigOptions.key("geostream.kafka.bootstrap-servers")
            .stringType().defaultValue("localhost:9092").withDescription("Kafka bootstrap servers.");
    /**
     * Prefix of Kafka client settings passed to the source and the sink as they are, for example
     * {@code geostream.kafka.properties.security.protocol: SASL_SSL} or {@code ...sasl.jaas.config}. Settings the
     * job relies on (isolation level, transactions, serialisers) cannot be overridden. Flink hides the values of
     * keys containing {@code password}, {@code secret} or {@code jaas.config} when it logs the configuration.
     */
    public static final String KAFKA_PROPERTIES_PREFIX = "geostream.kafka.properties.";

    public static final ConfigOption<String> GROUP_ID = ConfigOptions.key("geostream.kafka.group-id")
            .stringType().defaultValue("geostream").withDescription("Consumer group id of the frame source.");
    public static final ConfigOption<String> INPUT_TOPIC = ConfigOptions.key("geostream.topics.frames")
            .stringType().defaultValue("geostream.frames").withDescription("Input topic of FrameEvents (key = stream id).");
    public static final ConfigOption<String> GEOMETRY_TOPIC = ConfigOptions.key("geostream.topics.geometry")
            .stringType().defaultValue("geostream.geometry").withDescription("Output topic of GeometryFrames.");
    public static final ConfigOption<String> SEGMENTS_TOPIC = ConfigOptions.key("geostream.topics.segments")
            .stringType().defaultValue("geostream.segments").withDescription("Output topic of SegmentEvents.");
    public static final ConfigOption<String> DEAD_LETTER_TOPIC = ConfigOptions.key("geostream.topics.dead-letters")
            .stringType().defaultValue("geostream.dead-letters").withDescription("Output topic of DeadLetters.");
    public static final ConfigOption<Boolean> BOUNDED = ConfigOptions.key("geostream.source.bounded")
            .booleanType().defaultValue(false)
            .withDescription("Stop at the input topic's end offsets taken at start (demo, tests, backfills).");
    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX = ConfigOptions.key("geostream.sink.transactional-id-prefix")
            .stringType().defaultValue("geostream").withDescription("Stable transactional id prefix of the exactly-once sink; unique per job.");
    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT = ConfigOptions.key("geostream.sink.transaction-timeout")
            .durationType().defaultValue(Duration.ofMinutes(10))
            .withDescription("Kafka transaction.timeout.ms: above the longest checkpoint plus restart, at most the broker's "
                    + "transaction.max.timeout.ms (15 min by default) or the sink restarts forever.");

    public static final ConfigOption<Integer> CLIP_LENGTH = ConfigOptions.key("geostream.clip.length")
            .intType().defaultValue(16).withDescription("Frames per clip (T).");
    public static final ConfigOption<Integer> CLIP_STRIDE = ConfigOptions.key("geostream.clip.stride")
            .intType().defaultValue(12).withDescription("Frames between clip starts (S); overlap = T - S >= 1.");
    public static final ConfigOption<Integer> CLIP_KEYFRAMES = ConfigOptions.key("geostream.clip.keyframes")
            .intType().defaultValue(0).withDescription("Keyframe slots per clip, K in [0, 8]: every clip after a segment's "
                    + "first holds K keyframes of the segment (already stitched frames: its first frame and, with the refresh "
                    + "policy, later ones) ahead of T - K stream frames, the most recent keyframe in slot 0 (the clip's "
                    + "reference frame) and the first frame last, so the 'robust_keyframes' stitcher fits each clip to fixed "
                    + "references; needs T - K - S >= 1 and S > K.");
    public static final ConfigOption<String> CLIP_KEYFRAME_POLICY = ConfigOptions.key("geostream.clip.keyframe-policy")
            .stringType().defaultValue("first-only").withDescription("Which frames become keyframes: 'first-only' (the "
                    + "segment's first frame) or 'refresh' (also, every geostream.clip.keyframe-interval clips, the clip's newest "
                    + "frame that the next clip does not hold). Chosen from the data only (replays cut the same clips); a "
                    + "view-based choice would need the stitcher's geometry, which the clip operator does not have.");
    public static final ConfigOption<Integer> CLIP_KEYFRAME_INTERVAL = ConfigOptions.key("geostream.clip.keyframe-interval")
            .intType().defaultValue(4).withDescription("With the 'refresh' keyframe policy: every N-th clip of a segment "
                    + "promotes a keyframe.");
    public static final ConfigOption<Integer> REORDER_WINDOW = ConfigOptions.key("geostream.clip.reorder-window")
            .intType().defaultValue(8).withDescription("Frames that may wait for a missing predecessor before a gap is declared.");
    public static final ConfigOption<Duration> IDLE_TIMEOUT = ConfigOptions.key("geostream.clip.idle-timeout")
            .durationType().defaultValue(Duration.ofSeconds(30))
            .withDescription("Event time without frames after which a stream's segment ends and its last clip is flushed. "
                    + "Event time is the job's watermark (the slowest partition), so cameras whose clocks run more than "
                    + "this far apart, or a stream replayed long after the others, see early idle ends.");
    public static final ConfigOption<Duration> STATE_IDLE_TTL = ConfigOptions.key("geostream.state.idle-ttl")
            .durationType().defaultValue(io.geostream.operators.clip.ClipCutterFunction.DEFAULT_IDLE_TTL)
            .withDescription("Processing time without a frame after which a stream's keyed state (clip cutter, stitcher) "
                    + "is released, after flushing its open segment as the idle timeout would; 0 = never. Processing "
                    + "time, because the watermark stops when all input is quiet. An end-of-stream marker releases the "
                    + "state at once. A released stream that comes back starts over (task and segment numbers from 0).");
    public static final ConfigOption<Duration> OUT_OF_ORDERNESS = ConfigOptions.key("geostream.clip.max-out-of-orderness")
            .durationType().defaultValue(Duration.ofSeconds(2)).withDescription("Watermark lag behind the largest capture time.");

    public static final ConfigOption<Integer> INGEST_MAX_ENCODED_BYTES = ConfigOptions.key("geostream.ingest.max-encoded-bytes")
            .intType().defaultValue(32 * 1024 * 1024)
            .withDescription("Largest encoded image (inline or fetched by claim check), bytes; a Kafka record larger than "
                    + "this plus 64 KiB is dead-lettered as DECODE_TOO_LARGE before decoding.");
    public static final ConfigOption<Boolean> CLAIM_CHECK = ConfigOptions.key("geostream.ingest.claim-check")
            .booleanType().defaultValue(false)
            .withDescription("Fetch image.ref claim checks from the job's S3 bucket (geostream.storage.s3.bucket, the only "
                    + "bucket allowed), checking size and SHA-256; when false every reference is dead-lettered.");

    public static final ConfigOption<String> MODEL = ConfigOptions.key("geostream.model")
            .stringType().defaultValue("simulated")
            .withDescription("'simulated' (measuring instrument for synthetic streams) or a TorchScript model package directory "
                    + "(form 'end-to-end' or 'decomposed', see docs/model-contract.md).");
    public static final ConfigOption<String> DEVICE = ConfigOptions.key("geostream.model.device")
            .stringType().noDefaultValue().withDescription("'cpu' or 'gpu:N'; default cpu.");
    public static final ConfigOption<Integer> INFERENCE_WORKERS = ConfigOptions.key("geostream.inference.workers")
            .intType().defaultValue(1).withDescription("Model worker threads of the TaskManager's model host, shared by its "
                    + "slots (one predictor each; the weights are loaded once per JVM and device).");
    public static final ConfigOption<Integer> INFERENCE_MAX_BATCH = ConfigOptions.key("geostream.inference.max-batch")
            .intType().defaultValue(1).withDescription("Most clips per forward pass, from any stream and slot of the "
                    + "TaskManager; also capped by the package's maxBatch. 1 = no batching.");
    public static final ConfigOption<Duration> INFERENCE_MAX_BATCH_DELAY = ConfigOptions.key("geostream.inference.max-batch-delay")
            .durationType().defaultValue(Duration.ofMillis(10)).withDescription("Longest a batch waits for more clips "
                    + "after its first one before it runs partly filled.");
    public static final ConfigOption<Integer> INFERENCE_QUEUE = ConfigOptions.key("geostream.inference.queue-capacity")
            .intType().defaultValue(16).withDescription("Clips waiting for a model worker per TaskManager; when full, "
                    + "the async operator blocks and backpressure reaches the Kafka source.");
    public static final ConfigOption<Integer> INFERENCE_CAPACITY = ConfigOptions.key("geostream.inference.capacity")
            .intType().defaultValue(4).withDescription("Clips in flight per subtask; beyond it the async operator backpressures.");
    public static final ConfigOption<Integer> INFERENCE_ATTEMPTS = ConfigOptions.key("geostream.inference.max-attempts")
            .intType().defaultValue(3).withDescription("Attempts per clip before it is dead-lettered.");
    public static final ConfigOption<Duration> INFERENCE_ATTEMPT_TIMEOUT = ConfigOptions.key("geostream.inference.attempt-timeout")
            .durationType().defaultValue(Duration.ofSeconds(60)).withDescription("Deadline of one inference attempt.");

    public static final ConfigOption<Integer> GRID_STEP = ConfigOptions.key("geostream.stitch.grid-step")
            .intType().defaultValue(0).withDescription("Pixel step of the stitching sample grid; 0 = about 1000 points per frame.");
    public static final ConfigOption<String> STITCH_METHOD = ConfigOptions.key("geostream.stitch.method")
            .stringType().defaultValue(io.geostream.operators.stitch.StitchFunction.DEFAULT_METHOD)
            .withDescription("Stitching method: 'robust' (confidence-weighted IRLS Sim(3), the default), 'robust_keyframes' "
                    + "(also fitted to the segment's keyframe; use with geostream.clip.keyframes = 1) or 'naive' (v1 baseline).");
    public static final ConfigOption<String> STITCH_OVERLAP_POLICY = ConfigOptions.key("geostream.stitch.overlap-policy")
            .stringType().defaultValue("first").withDescription("Which prediction of a frame two clips hold is emitted (once): "
                    + "'first' (the first clip's, lowest latency) or 'blended' (held until the next clip, then the per-pixel "
                    + "confidence-weighted average of both; one clip stride more latency, T - S frames of geometry in state).");

    public static final ConfigOption<String> STORAGE = ConfigOptions.key("geostream.storage.kind")
            .stringType().defaultValue("s3").withDescription("'s3' or 'local'.");
    public static final ConfigOption<String> LOCAL_DIR = ConfigOptions.key("geostream.storage.local-dir")
            .stringType().defaultValue("geostream-objects").withDescription("Root directory of the local object store.");
    public static final ConfigOption<String> S3_ENDPOINT = ConfigOptions.key("geostream.storage.s3.endpoint")
            .stringType().noDefaultValue().withDescription("S3 endpoint URL (unset = AWS).");
    public static final ConfigOption<String> S3_REGION = ConfigOptions.key("geostream.storage.s3.region")
            .stringType().defaultValue("us-east-1").withDescription("S3 region.");
    public static final ConfigOption<String> S3_BUCKET = ConfigOptions.key("geostream.storage.s3.bucket")
            .stringType().defaultValue("geostream").withDescription("Bucket for payloads.");
    public static final ConfigOption<Boolean> S3_PATH_STYLE = ConfigOptions.key("geostream.storage.s3.path-style")
            .booleanType().defaultValue(true).withDescription("Path-style requests (MinIO, s3proxy).");
    public static final ConfigOption<String> S3_ACCESS_KEY = ConfigOptions.key("geostream.storage.s3.access-key")
            .stringType().noDefaultValue().withDescription("Access key; default from AWS_ACCESS_KEY_ID.");
    public static final ConfigOption<String> S3_SECRET_KEY = ConfigOptions.key("geostream.storage.s3.secret-key")
            .stringType().noDefaultValue().withDescription("Secret key; default from AWS_SECRET_ACCESS_KEY. Never logged.");
}
