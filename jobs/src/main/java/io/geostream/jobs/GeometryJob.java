package io.geostream.jobs;

import io.geostream.clip.ClipCutterSettings;
import io.geostream.clip.KeyframePolicy;
import io.geostream.inference.ClipBatcher;
import io.geostream.inference.ModelFactory;
import io.geostream.inference.ModelSettings;
import io.geostream.inference.RetryPolicy;
import io.geostream.ingest.IngestSettings;
import io.geostream.model.ClipRequirements;
import io.geostream.operators.clip.ClipCutterFunction;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.clip.ClipSizing;
import io.geostream.operators.inference.InferenceFunction;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.operators.ingest.IngestFunction;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.ingest.RawRecordDeserializer;
import io.geostream.operators.loop.LoopClosureFunction;
import io.geostream.operators.loop.LoopOptions;
import io.geostream.operators.sink.DrainingKeyedProcessOperator;
import io.geostream.operators.sink.MetricsOptions;
import io.geostream.operators.sink.OutputRecordSerializer;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.operators.sink.StorageOptions;
import io.geostream.operators.stitch.StitchFunction;
import io.geostream.operators.stitch.StitchOptions;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.records.LoopFrame;
import io.geostream.records.OutputRecord;
import io.geostream.records.RawRecord;
import io.geostream.stitch.OverlapPolicy;
import io.geostream.stitch.StitcherSettings;
import io.geostream.storage.S3ObjectStore;
import io.geostream.storage.S3Settings;
import io.geostream.storage.StorageSettings;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The streaming job: Kafka frames -> ingest -> clip (keyed) -> async inference -> stitch (same key,
 * chained, no shuffle of tensors) -> loop closure (same key, chained; {@code geostream.loop.enabled}) -> one
 * exactly-once Kafka sink for geometry, segment events, segment corrections and dead letters; payloads go to object
 * storage from the stitch stage.
 *
 * <p>Source and sink are injectable so tests can plug in their own; {@link #kafkaSource} and
 * {@link #kafkaSink} build the production ones from the configuration.
 */
public final class GeometryJob {

    /**
     * The inference operator's name, whatever the model: operator names are labels of every Prometheus series
     * ({@code operator_name}, {@code task_name}), so none of them embeds a path, a device or another setting.
     */
    public static final String INFERENCE_NAME = "inference: geometry model";

    /** Producer {@code max.request.size} of the sink; brokers and topics must accept records this large. */
    public static final int MAX_REQUEST_BYTES = 8 * 1024 * 1024;

    /**
     * How the job meets failures, unless the cluster's configuration sets otherwise (compose and k8s set the same,
     * {@code FailurePolicyTest} checks): up to 2 failed checkpoints in a row are tolerated (a storage hiccup costs a
     * checkpoint, not a restart and a replay); a checkpoint taking over 2 minutes fails; restarts back off exponentially
     * from 1 s to 1 min (a broker or store outage is retried without a tight loop); the latest checkpoint is kept when
     * the job is cancelled, to resume from. The sink's transactions must outlive all of it
     * ({@code geostream.sink.transaction-timeout}, README "Checkpoint and restart policy").
     */
    public static final Map<String, String> FAILURE_POLICY = byKey(failurePolicyOptions());

    private static Map<ConfigOption<?>, String> failurePolicyOptions() {
        Map<ConfigOption<?>, String> m = new java.util.LinkedHashMap<>();
        m.put(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, "2");
        m.put(CheckpointingOptions.CHECKPOINTING_TIMEOUT, "2 min");
        m.put(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, "RETAIN_ON_CANCELLATION");
        m.put(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        m.put(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, "1 s");
        m.put(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, "1 min");
        return m;
    }

    /**
     * Flink settings the job runs with unless the cluster's configuration (or {@code -D}) sets them: RocksDB keyed
     * state with incremental checkpoints, so a checkpoint uploads only the SST files written since the last one and
     * state is not bounded by the heap (clip windows hold decoded frames per stream); network buffers flushed after at
     * most 10 ms (latency before the commit); and the {@link #FAILURE_POLICY}. By option, for their deprecated keys.
     */
    private static final Map<ConfigOption<?>, String> DEFAULT_OPTIONS = defaultOptions();

    /** {@link #DEFAULT_OPTIONS} by key. */
    public static final Map<String, String> FLINK_DEFAULTS = byKey(DEFAULT_OPTIONS);

    private static Map<ConfigOption<?>, String> defaultOptions() {
        Map<ConfigOption<?>, String> m = new java.util.LinkedHashMap<>();
        m.put(StateBackendOptions.STATE_BACKEND, "rocksdb");
        m.put(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, "true");
        // A frame crosses one keyed exchange (to the clip operator) as ~57 KB of pixels, which ends in a part-filled
        // network buffer: Flink's default flush after 100 ms put up to 100 ms on every clip's newest frame
        // (pipelineOverheadClipMs p99 91 ms with 8 cameras). Flushing every 10 ms costs a wake-up per channel.
        m.put(ExecutionOptions.BUFFER_TIMEOUT, "10 ms");
        m.putAll(failurePolicyOptions());
        return java.util.Collections.unmodifiableMap(m);
    }

    private static Map<String, String> byKey(Map<ConfigOption<?>, String> options) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        options.forEach((option, value) -> m.put(option.key(), value));
        return java.util.Collections.unmodifiableMap(m);
    }

    private final Configuration config;
    private final Source<RawRecord, ?, ?> source;
    private final Sink<OutputRecord> sink;
    private final StorageSettings storage;
    private final ModelFactory model;

    /** The job with the model of {@code geostream.model} (and {@code geostream.model.device}). */
    public GeometryJob(Configuration config, Source<RawRecord, ?, ?> source, Sink<OutputRecord> sink, StorageSettings storage) {
        this(config, source, sink, storage, ModelSettings.of(config.get(InferenceOptions.MODEL),
                config.getOptional(InferenceOptions.DEVICE).orElse(null)));
    }

    /**
     * The job with a model of the caller's (tests plug in models that fail on purpose); {@code geostream.model}
     * is ignored.
     */
    public GeometryJob(Configuration config, Source<RawRecord, ?, ?> source, Sink<OutputRecord> sink, StorageSettings storage,
                       ModelFactory model) {
        this.config = Objects.requireNonNull(config, "config");
        this.source = Objects.requireNonNull(source, "source");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.model = Objects.requireNonNull(model, "model");
    }

    /** The production job: Kafka in, Kafka out, storage from the configuration. */
    public static GeometryJob fromConfig(Configuration config) {
        return new GeometryJob(config, kafkaSource(config), kafkaSink(config), storageSettings(config));
    }

    /** {@code flink} with the {@link #FLINK_DEFAULTS} it does not set itself. */
    public static Configuration withFlinkDefaults(ReadableConfig flink) {
        Configuration c = Configuration.fromMap(flink.toMap());
        c.addAll(flinkDefaultsMissingFrom(flink));
        return c;
    }

    /**
     * Flink's settings for the job run in this JVM (demo, {@code run}, soak, bench): {@code flink}, the
     * {@link #FLINK_DEFAULTS} it does not set (RocksDB, incremental), and file checkpoints under {@code checkpointDir}
     * unless it names a checkpoint storage or directory: clip state holds decoded frames, past the 5 MiB a state handle
     * may have in the JobManager's in-memory checkpoint storage, so without files every checkpoint fails.
     */
    public static Configuration localFlinkConfiguration(ReadableConfig flink, Path checkpointDir) {
        Configuration c = withFlinkDefaults(flink);
        // getOptional also finds the options' deprecated keys (state.checkpoints.dir...)
        if (flink.getOptional(CheckpointingOptions.CHECKPOINT_STORAGE).isEmpty()
                && flink.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).isEmpty()) {
            c.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toAbsolutePath().toUri().toString());
        }
        return c;
    }

    /** The {@link #FLINK_DEFAULTS} that {@code flink} does not set. */
    public static Configuration flinkDefaultsMissingFrom(ReadableConfig flink) {
        Map<String, String> given = flink.toMap();
        Configuration missing = new Configuration();
        DEFAULT_OPTIONS.forEach((option, value) -> {
            // A cluster may still set one under a deprecated key (execution.buffer-timeout, state.backend, ...).
            boolean set = given.containsKey(option.key())
                    || java.util.stream.StreamSupport.stream(option.fallbackKeys().spliterator(), false).anyMatch(f -> given.containsKey(f.getKey()));
            if (!set) missing.setString(option.key(), value);
        });
        return missing;
    }

    public static KafkaSource<RawRecord> kafkaSource(Configuration c) {
        var b = KafkaSource.<RawRecord>builder()
                .setProperties(kafkaClientProperties(c))
                .setBootstrapServers(c.get(GeometryJobOptions.BOOTSTRAP_SERVERS))
                .setTopics(c.get(IngestOptions.INPUT_TOPIC))
                .setGroupId(c.get(IngestOptions.GROUP_ID))
                .setStartingOffsets(OffsetsInitializer.committedOffsets(org.apache.kafka.clients.consumer.OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("isolation.level", "read_committed");
        if (c.get(IngestOptions.BOUNDED)) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    public static KafkaSink<OutputRecord> kafkaSink(Configuration c) {
        Properties p = kafkaClientProperties(c);
        p.setProperty("transaction.timeout.ms", String.valueOf(c.get(SinkOptions.TRANSACTION_TIMEOUT).toMillis()));
        p.setProperty("max.request.size", String.valueOf(MAX_REQUEST_BYTES));
        return KafkaSink.<OutputRecord>builder()
                .setBootstrapServers(c.get(GeometryJobOptions.BOOTSTRAP_SERVERS))
                .setRecordSerializer(new OutputRecordSerializer(c.get(SinkOptions.GEOMETRY_TOPIC),
                        c.get(SinkOptions.SEGMENTS_TOPIC), c.get(SinkOptions.DEAD_LETTER_TOPIC), c.get(SinkOptions.CORRECTIONS_TOPIC)))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(c.get(SinkOptions.TRANSACTIONAL_ID_PREFIX))
                .setKafkaProducerConfig(p)
                .build();
    }

    /** The {@code geostream.kafka.properties.*} settings, prefix removed (SASL, SSL, client tuning). */
    public static Properties kafkaClientProperties(Configuration c) {
        Properties p = new Properties();
        String prefix = GeometryJobOptions.KAFKA_PROPERTIES_PREFIX;
        c.toMap().forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) p.setProperty(k.substring(prefix.length()), v);
        });
        return p;
    }

    public static StorageSettings storageSettings(Configuration c) {
        StorageSettings store = c.get(StorageOptions.KIND) == StorageSettings.Kind.LOCAL
                ? StorageSettings.local(Path.of(c.get(StorageOptions.LOCAL_DIR)))
                : StorageSettings.s3(S3Settings.withKeysOrProviderChain(c.get(StorageOptions.S3_ENDPOINT),
                        c.get(StorageOptions.S3_REGION), c.get(StorageOptions.S3_BUCKET),
                        c.getOptional(StorageOptions.S3_ACCESS_KEY).orElse(null),
                        c.getOptional(StorageOptions.S3_SECRET_KEY).orElse(null), c.get(StorageOptions.S3_PATH_STYLE)));
        return store.retryingFor(c.get(StorageOptions.RETRY_FOR));
    }

    /** Adds the pipeline to {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        buildOutput(env).sinkTo(sink).uid("sink-kafka").name("Kafka exactly-once sink");
    }

    /**
     * Adds the pipeline up to, not including, the sink: every record the sink would receive (geometry, segment
     * events, dead letters). {@link #build} sinks it; failure-injection tests put an operator in between.
     */
    public DataStream<OutputRecord> buildOutput(StreamExecutionEnvironment env) {
        // T and S as configured, else from the model package; a T the package cannot take fails here.
        ClipRequirements modelTakes = model instanceof ModelSettings spec ? spec.clipRequirements() : ClipRequirements.ANY;
        ClipSizing.Clip clip = ClipSizing.resolve(config, modelTakes, model.toString());
        ClipCutterSettings clipConfig = new ClipCutterSettings(clip.length(),
                clip.stride(), config.get(ClipOptions.REORDER_WINDOW),
                config.get(ClipOptions.IDLE_TIMEOUT).toMillis(), clip.keyframes())
                // A model factory other than ModelSettings (tests' stand-ins, the load tools' precomputed geometry) is
                // simulated geometry: first-only unless set.
                .withKeyframePolicy(ClipOptions.keyframePolicy(config, !(model instanceof ModelSettings spec) || spec.isSimulated()),
                        config.get(ClipOptions.KEYFRAME_INTERVAL));
        RetryPolicy retry = new RetryPolicy(config.get(InferenceOptions.MAX_ATTEMPTS),
                config.get(InferenceOptions.ATTEMPT_TIMEOUT), Duration.ofMillis(200), Duration.ofSeconds(5));
        int gridStep = config.get(StitchOptions.GRID_STEP);
        StitcherSettings stitchConfig = StitcherSettings.defaults().withGridStep(gridStep)
                .withOverlapPolicy(config.get(StitchOptions.OVERLAP_POLICY));

        SingleOutputStreamOperator<RawRecord> raw = env.fromSource(source, WatermarkStrategy.noWatermarks(), "frames")
                .uid("source-frames").name("Kafka frames");
        SingleOutputStreamOperator<FrameRecord> frames = raw.process(new IngestFunction(ingestLimits(config),
                        config.get(IngestOptions.CLAIM_CHECK) ? claimCheckStore() : null))
                .uid("ingest").name("ingest: decode + validate");
        Duration lag = config.get(ClipOptions.MAX_OUT_OF_ORDERNESS);
        DataStream<FrameRecord> timed = frames.assignTimestampsAndWatermarks(
                        WatermarkStrategy.<FrameRecord>forBoundedOutOfOrderness(lag)
                                .withTimestampAssigner((f, ts) -> Math.floorDiv(f.captureTimeMicros, 1000L))
                                .withIdleness(Duration.ofSeconds(30)))
                .uid("watermarks").name("capture-time watermarks");

        SingleOutputStreamOperator<ClipTask> clips = timed.keyBy(new FrameKey())
                .process(new ClipCutterFunction(clipConfig, config.get(ClipOptions.STATE_IDLE_TTL))).uid("clip").name("clip: cut overlapping clips");

        long asyncTimeout = retry.worstCase().plusSeconds(30).toMillis();
        SingleOutputStreamOperator<ClipResult> inferred = AsyncDataStream.unorderedWait(clips,
                        new InferenceFunction(model, inferenceBatching(config), retry, clip.length()),
                        asyncTimeout, TimeUnit.MILLISECONDS, config.get(InferenceOptions.CAPACITY))
                // The name is a Prometheus label (operator_name, and task_name of the chain): it must not change with
                // the model's path or device, or every series breaks at a model upgrade. The model goes in the description.
                .uid("inference").name(INFERENCE_NAME).setDescription("inference: " + model);

        boolean loops = config.get(LoopOptions.ENABLED);
        StitchFunction stitch = new StitchFunction(stitchConfig, storage, config.get(StitchOptions.METHOD),
                MetricsOptions.perCameraLimit(config)).withStateCache(config.get(StitchOptions.STATE_CACHE).getBytes());
        if (loops) stitch.withLoopFrames();
        SingleOutputStreamOperator<OutputRecord> stitched = DataStreamUtils.reinterpretAsKeyedStream(inferred, new ResultKey())
                .transform("stitch: global frame + payloads", TypeInformation.of(OutputRecord.class),
                        new DrainingKeyedProcessOperator<>(stitch))
                .uid("stitch");

        DataStream<OutputRecord> out = stitched.union(frames.getSideOutput(IngestFunction.DEAD_LETTERS),
                clips.getSideOutput(ClipCutterFunction.DEAD_LETTERS));
        if (!loops) return out;
        // Not chained to the stitch stage: on a thread of its own the loop closer (feature extraction, matching, pose
        // graph) holds up neither the stitch task's output of the frames it wrote nor its next clips. Keyed by the same
        // key at the same parallelism, each frame goes to the subtask of the same index (a local channel, not the
        // network); a keyed exchange rather than a forward one, because Flink cannot rescale a forward channel's
        // in-flight data from an unaligned checkpoint.
        SingleOutputStreamOperator<OutputRecord> corrections = stitched.getSideOutput(StitchFunction.LOOP_FRAMES)
                .keyBy(new LoopFrameKey())
                .process(new LoopClosureFunction(LoopOptions.settings(config)), TypeInformation.of(OutputRecord.class))
                .uid("loop").name("loop closure: segment corrections");
        return out.union(corrections);
    }

    /** The model host's workers and batching from {@code geostream.inference.*}. */
    static ClipBatcher.Settings inferenceBatching(Configuration c) {
        return new ClipBatcher.Settings(c.get(InferenceOptions.WORKERS), c.get(InferenceOptions.MAX_BATCH),
                c.get(InferenceOptions.MAX_BATCH_DELAY), c.get(InferenceOptions.QUEUE_CAPACITY));
    }

    /** The default ingest limits with {@code geostream.ingest.max-encoded-bytes}. */
    static IngestSettings ingestLimits(Configuration c) {
        IngestSettings d = IngestSettings.defaults();
        return new IngestSettings(d.maxWidth(), d.maxHeight(), d.maxPixels(), c.get(IngestOptions.MAX_ENCODED_BYTES),
                d.maxAttributes(), d.maxAttributeChars());
    }

    private StorageSettings claimCheckStore() {
        if (storage.kind() != StorageSettings.Kind.S3) {
            throw new IllegalArgumentException(IngestOptions.CLAIM_CHECK.key() + " needs geostream.storage.kind = s3");
        }
        return storage;
    }

    /** Key of frames: the stream id. */
    public static final class FrameKey implements KeySelector<FrameRecord, String> {
        private static final long serialVersionUID = 1L;
        @Override public String getKey(FrameRecord f) { return f.streamId; }
    }

    /** Key of loop frames: the stream id (same key as the stitch stage). */
    public static final class LoopFrameKey implements KeySelector<LoopFrame, String> {
        private static final long serialVersionUID = 1L;
        @Override public String getKey(LoopFrame f) { return f.streamId; }
    }

    /** Key of results: the stream id (same key as the clip stage, so inference -> stitch needs no shuffle). */
    public static final class ResultKey implements KeySelector<ClipResult, String> {
        private static final long serialVersionUID = 1L;
        @Override public String getKey(ClipResult r) { return r.task.streamId; }
    }
}
