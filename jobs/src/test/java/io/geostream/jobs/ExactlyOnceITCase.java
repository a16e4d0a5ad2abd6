package io.geostream.jobs;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.PayloadRefs;
import io.geostream.avro.SegmentEvent;
import io.geostream.demo.CommittedOutput;
import io.geostream.demo.SyntheticPublisher;
import io.geostream.embedded.EmbeddedKafka;
import io.geostream.embedded.EmbeddedS3;
import io.geostream.inference.ModelFactory;
import io.geostream.inference.ModelSpec;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import io.geostream.output.StorageSpec;
import io.geostream.records.OutputRecord;
import io.geostream.storage.ObjectStore;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly-once on the real stack (KRaft broker, s3proxy, MiniCluster with two task managers of one slot each):
 * the same synthetic input is run once without failures and once with three failures injected at points chosen
 * from a seed:
 * <ol>
 *   <li>the stitch stage throws right after a payload object was written, before its GeometryFrame is emitted;</li>
 *   <li>an operator in front of the sink throws on the first record after a checkpoint's snapshot (the sink's
 *       transaction is pre-committed) and before that checkpoint's commit notification;</li>
 *   <li>a task manager is terminated while a clip is in inference (then a fresh one is started).</li>
 * </ol>
 * The read_committed output of the failure run must then hold every input frame exactly once, with the same
 * content as the failure-free run (every GeometryFrame field except processing latency; every payload's SHA-256),
 * and every object the output references must exist.
 */
class ExactlyOnceITCase {

    private static final long SEED = Long.getLong("geostream.chaos.seed", 20261124L);
    private static final int W = 48, H = 36;
    private static final Map<String, SceneSpec> STREAMS = new TreeMap<>(Map.of(
            "cam-a", new SceneSpec(21, W, H, 26, TrajectoryKind.ORBIT, 0.0, 10),
            "cam-b", new SceneSpec(22, W, H, 22, TrajectoryKind.WALK, 0.0, 10),
            "cam-c", new SceneSpec(23, W, H, 20, TrajectoryKind.ORBIT, 0.0, 10)));

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(clusterConfig()).setNumberTaskManagers(2).setNumberSlotsPerTaskManager(1).build());

    @TempDir
    static Path tmp;

    static EmbeddedKafka kafka;
    static EmbeddedS3 s3;

    private static Configuration clusterConfig() {
        Configuration c = new Configuration();
        // A lost task manager is noticed in seconds, not the default 50 s.
        c.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofMillis(500));
        c.set(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT, Duration.ofSeconds(4));
        // Little in-flight data between tasks: the bounded source would otherwise push the whole input into network
        // buffers at once, each checkpoint barrier would queue behind all of it, and checkpoints would complete only
        // near the end. Small buffers make it behave like a live feed under backpressure: many checkpoints mid-stream.
        c.set(TaskManagerOptions.MEMORY_SEGMENT_SIZE, MemorySize.parse("4kb"));
        return c;
    }

    @BeforeAll
    static void startServers() throws Exception {
        kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().dataDir(tmp.resolve("kafka")));
        s3 = EmbeddedS3.start(tmp.resolve("s3"), 0, "it-access", "it-secret-key");
        s3.createBucket("reference");
        s3.createBucket("chaos");
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (s3 != null) s3.close();
        if (kafka != null) kafka.close();
    }

    @Test
    void injectedFailuresChangeNothingInTheCommittedOutput(@InjectMiniCluster MiniCluster cluster) throws Exception {
        kafka.createTopics(Map.of("eos.frames", 2));
        int expectedFrames = 0;
        try (SyntheticPublisher pub = new SyntheticPublisher(kafka.bootstrapServers(), "eos.frames")) {
            for (int n : pub.publishStreams(STREAMS, true).values()) expectedFrames += n;
            pub.flush();
        }

        Random seeded = new Random(SEED);
        int failAtPut = 30 + seeded.nextInt(150);          // payload puts: 5 per frame, ~340 in all
        long failAfterCheckpoint = 1 + seeded.nextInt(2);  // checkpoints every 300 ms, few complete on a loaded machine
        int loseTaskManagerAtClip = 2 + seeded.nextInt(6); // ~11 clips in all
        int taskManagerToLose = seeded.nextInt(2);
        System.err.printf("ExactlyOnceITCase seed=%d failAtPut=%d failAfterCheckpoint=%d loseTaskManagerAtClip=%d tm=%d%n",
                SEED, failAtPut, failAfterCheckpoint, loseTaskManagerAtClip, taskManagerToLose);

        // Failure-free reference run.
        Configuration ref = jobConfig("reference");
        Injected.reset(Integer.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE);
        JobClient refJob = submit(ref, new GeometryJob(ref, GeometryJob.kafkaSource(ref), GeometryJob.kafkaSink(ref),
                GeometryJob.storageSpec(ref), new SignallingModel(ModelSpec.of("simulated", null))));
        refJob.getJobExecutionResult().get(120, TimeUnit.SECONDS);
        assertThat(Injected.anyFired()).isFalse();

        // The same input with failures.
        Configuration chaos = jobConfig("chaos");
        Injected.reset(failAtPut, failAfterCheckpoint, loseTaskManagerAtClip);
        JobClient chaosJob = submit(chaos, new GeometryJob(chaos, GeometryJob.kafkaSource(chaos), GeometryJob.kafkaSink(chaos),
                GeometryJob.storageSpec(chaos).decorated(new FailNthPut()), new SignallingModel(ModelSpec.of("simulated", null))));
        assertThat(Injected.clipInInference.await(90, TimeUnit.SECONDS)).as("inference reached clip %d", loseTaskManagerAtClip).isTrue();
        cluster.terminateTaskManager(taskManagerToLose).get(30, TimeUnit.SECONDS);
        cluster.startTaskManager();
        chaosJob.getJobExecutionResult().get(120, TimeUnit.SECONDS);
        long restarts = Injected.maxAttempt.get();
        System.err.printf("ExactlyOnceITCase restarts=%d putFailed=%s failedAfterPreCommit=%s%n", restarts,
                Injected.putFailed.get(), Injected.failedAfterPreCommit.get());

        CommittedOutput want = read(ref);
        CommittedOutput got = read(chaos);
        assertThat(want.frames()).hasSize(expectedFrames);
        assertThat(want.deadLetters()).isEmpty();

        Map<String, GeometryFrame> wantByFrame = byFrame(want.frames());
        Map<String, GeometryFrame> gotByFrame = byFrame(got.frames());
        List<String> duplicated = new ArrayList<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (GeometryFrame g : got.frames()) counts.merge(id(g), 1, Integer::sum);
        counts.forEach((k, n) -> { if (n > 1) duplicated.add(k + " x" + n); });
        List<String> lost = wantByFrame.keySet().stream().filter(k -> !gotByFrame.containsKey(k)).toList();
        System.err.printf("ExactlyOnceITCase frames=%d committed=%d lost=%s duplicated=%s%n", expectedFrames, got.frames().size(), lost, duplicated);
        assertThat(duplicated).as("duplicated frames").isEmpty();
        assertThat(lost).as("lost frames").isEmpty();
        assertThat(got.frames()).hasSize(expectedFrames);
        assertThat(got.deadLetters()).as("dead letters of the chaos run").isEmpty();
        assertThat(segmentsWithoutTime(got.segments())).isEqualTo(segmentsWithoutTime(want.segments()));

        List<String> mismatched = new ArrayList<>();
        try (ObjectStore refStore = GeometryJob.storageSpec(ref).open(); ObjectStore chaosStore = GeometryJob.storageSpec(chaos).open()) {
            for (Map.Entry<String, GeometryFrame> e : wantByFrame.entrySet()) {
                GeometryFrame w = e.getValue(), g = gotByFrame.get(e.getKey());
                if (!comparable(w, refStore).equals(comparable(g, chaosStore))) mismatched.add(e.getKey() + " (event)");
                for (String field : List.of("depth", "normals", "points", "confidence", "rgb")) {
                    String wUri = uri(w.getPayloads(), field), gUri = uri(g.getPayloads(), field);
                    if (wUri == null && gUri == null) continue;
                    byte[] wBytes = refStore.get(refStore.keyOf(wUri).orElseThrow());
                    byte[] gBytes = chaosStore.get(chaosStore.keyOf(gUri).orElseThrow()); // throws when missing
                    if (!sha256(wBytes).equals(sha256(gBytes))) mismatched.add(e.getKey() + " (" + field + ")");
                }
            }
        }
        System.err.printf("ExactlyOnceITCase lost=%d duplicated=%d mismatched=%d%n", lost.size(), duplicated.size(), mismatched.size());
        assertThat(mismatched).as("frames whose content differs from the failure-free run").isEmpty();
        // Each failure really happened (else the run proves less than it claims).
        assertThat(Injected.putFailed.get()).as("stitch failed between payload write and emit").isTrue();
        assertThat(Injected.failedAfterPreCommit.get()).as("failed between pre-commit and commit").isTrue();
        assertThat(restarts).as("restarts of the chaos run").isGreaterThanOrEqualTo(3);
    }

    private static JobClient submit(Configuration conf, GeometryJob job) throws Exception {
        Configuration jobConf = new Configuration();
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(300));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConf);
        env.setParallelism(2);
        env.enableCheckpointing(300);
        // Unaligned: barriers overtake the in-flight frames (stored in the checkpoint), so on a loaded 2-core machine
        // checkpoints still complete every few hundred ms mid-stream instead of queueing behind the bounded input.
        env.getCheckpointConfig().enableUnalignedCheckpoints();
        job.buildOutput(env).transform("failure point: after pre-commit", TypeInformation.of(OutputRecord.class), new FailAfterPreCommit()).uid("fail-after-pre-commit")
                .sinkTo(GeometryJob.kafkaSink(conf)).uid("sink-kafka").name("Kafka exactly-once sink");
        return env.executeAsync("geostream-eos-" + conf.get(GeometryJobOptions.S3_BUCKET));
    }

    /** Each run has its own output topics, consumer group, transactional ids and bucket; the input is shared. */
    private static Configuration jobConfig(String run) {
        Configuration conf = new Configuration();
        conf.set(GeometryJobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(GeometryJobOptions.BOUNDED, true);
        conf.set(GeometryJobOptions.INPUT_TOPIC, "eos.frames");
        conf.set(GeometryJobOptions.GROUP_ID, "eos-" + run);
        conf.set(GeometryJobOptions.GEOMETRY_TOPIC, "eos." + run + ".geometry");
        conf.set(GeometryJobOptions.SEGMENTS_TOPIC, "eos." + run + ".segments");
        conf.set(GeometryJobOptions.DEAD_LETTER_TOPIC, "eos." + run + ".dead-letters");
        conf.set(GeometryJobOptions.TRANSACTIONAL_ID_PREFIX, "eos-" + run);
        conf.set(GeometryJobOptions.TRANSACTION_TIMEOUT, Duration.ofSeconds(60));
        conf.set(GeometryJobOptions.CLIP_LENGTH, 8);
        conf.set(GeometryJobOptions.CLIP_STRIDE, 6);
        conf.set(GeometryJobOptions.S3_ENDPOINT, s3.endpoint().toString());
        conf.set(GeometryJobOptions.S3_BUCKET, run);
        conf.set(GeometryJobOptions.S3_ACCESS_KEY, "it-access");
        conf.set(GeometryJobOptions.S3_SECRET_KEY, "it-secret-key");
        kafka.createTopics(Map.of(conf.get(GeometryJobOptions.GEOMETRY_TOPIC), 2, conf.get(GeometryJobOptions.SEGMENTS_TOPIC), 1,
                conf.get(GeometryJobOptions.DEAD_LETTER_TOPIC), 1));
        return conf;
    }

    private static CommittedOutput read(Configuration c) throws Exception {
        return CommittedOutput.read(kafka.bootstrapServers(), c.get(GeometryJobOptions.GEOMETRY_TOPIC),
                c.get(GeometryJobOptions.SEGMENTS_TOPIC), c.get(GeometryJobOptions.DEAD_LETTER_TOPIC));
    }

    private static String id(GeometryFrame g) {
        return g.getStreamId() + "#" + g.getFrameIndex();
    }

    private static Map<String, GeometryFrame> byFrame(List<GeometryFrame> frames) {
        Map<String, GeometryFrame> m = new TreeMap<>();
        for (GeometryFrame g : frames) m.putIfAbsent(id(g), g);
        return m;
    }

    /** The frame without processing latency and with payload URIs reduced to keys (the runs use different buckets). */
    private static GeometryFrame comparable(GeometryFrame g, ObjectStore store) {
        GeometryFrame c = GeometryFrame.newBuilder(g).setProcessingLatencyMillis(0L).build();
        PayloadRefs p = PayloadRefs.newBuilder(g.getPayloads()).build();
        for (String field : List.of("depth", "normals", "points", "confidence", "rgb")) {
            String u = uri(p, field);
            if (u != null) setUri(p, field, store.keyOf(u).orElseThrow());
        }
        c.setPayloads(p);
        return c;
    }

    private static String uri(PayloadRefs p, String field) {
        return switch (field) {
            case "depth" -> p.getDepthUri();
            case "normals" -> p.getNormalsUri();
            case "points" -> p.getPointMapUri();
            case "confidence" -> p.getConfidenceUri();
            case "rgb" -> p.getRgbUri();
            default -> throw new IllegalArgumentException(field);
        };
    }

    private static void setUri(PayloadRefs p, String field, String v) {
        switch (field) {
            case "depth" -> p.setDepthUri(v);
            case "normals" -> p.setNormalsUri(v);
            case "points" -> p.setPointMapUri(v);
            case "confidence" -> p.setConfidenceUri(v);
            case "rgb" -> p.setRgbUri(v);
            default -> throw new IllegalArgumentException(field);
        }
    }

    private static List<String> segmentsWithoutTime(List<SegmentEvent> segments) {
        return segments.stream().map(s -> s.getStreamId() + "/" + s.getSegmentId() + "/" + s.getKind() + "/" + s.getReason()
                + "/" + s.getFirstFrameIndex() + "-" + s.getLastFrameIndex() + "/" + s.getFrameCount()).sorted().toList();
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }


    /** The failure points of the current run; static because the MiniCluster runs the tasks in this JVM. */
    static final class Injected {
        static volatile int failAtPut;
        static volatile long failAfterCheckpoint;
        static volatile int signalAtClip;
        static final AtomicInteger puts = new AtomicInteger();
        static final AtomicInteger clips = new AtomicInteger();
        static final AtomicBoolean putFailed = new AtomicBoolean();
        /** Highest task attempt number seen by the failure point before the sink = restarts of the job. */
        static final AtomicInteger maxAttempt = new AtomicInteger();
        static final AtomicBoolean failedAfterPreCommit = new AtomicBoolean();
        static volatile CountDownLatch clipInInference = new CountDownLatch(1);

        static void reset(int putIndex, long checkpoint, int clip) {
            failAtPut = putIndex;
            failAfterCheckpoint = checkpoint;
            signalAtClip = clip;
            puts.set(0);
            maxAttempt.set(0);
            clips.set(0);
            putFailed.set(false);
            failedAfterPreCommit.set(false);
            clipInInference = new CountDownLatch(1);
        }

        static boolean anyFired() {
            return putFailed.get() || failedAfterPreCommit.get() || clipInInference.getCount() == 0;
        }
    }

    /** A store that fails once, right after the n-th payload put succeeded: the payload is written, its event is not. */
    static final class FailNthPut implements StorageSpec.StoreDecorator {
        private static final long serialVersionUID = 1L;

        @Override
        public ObjectStore wrap(ObjectStore store) {
            return new ObjectStore() {
                @Override public void put(String key, byte[] bytes, String contentType) throws IOException {
                    store.put(key, bytes, contentType);
                    if (Injected.puts.incrementAndGet() >= Injected.failAtPut && Injected.putFailed.compareAndSet(false, true)) {
                        throw new IllegalStateException("injected failure after writing " + key + ", before its event is emitted");
                    }
                }
                @Override public byte[] get(String key) throws IOException { return store.get(key); }
                @Override public boolean exists(String key) throws IOException { return store.exists(key); }
                @Override public List<String> list(String prefix) throws IOException { return store.list(prefix); }
                @Override public String uriOf(String key) { return store.uriOf(key); }
                @Override public Optional<String> keyOf(String uri) { return store.keyOf(uri); }
                @Override public void close() throws IOException { store.close(); }
            };
        }
    }

    /**
     * Identity in front of the sink, chained with it. At the snapshot of checkpoint {@code failAfterCheckpoint} or
     * later it schedules a throw on the task's own timer: that fires after the whole chain's snapshot (so the sink's
     * transaction of that checkpoint is pre-committed) and, unless the checkpoint's completion was already handled,
     * before the committer commits it. If the completion came first the point re-arms at the next checkpoint.
     */
    static final class FailAfterPreCommit extends AbstractStreamOperator<OutputRecord>
            implements OneInputStreamOperator<OutputRecord, OutputRecord> {
        private static final long serialVersionUID = 1L;
        private transient long lastCompleted;

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            lastCompleted = -1;
            Injected.maxAttempt.accumulateAndGet(getRuntimeContext().getTaskInfo().getAttemptNumber(), Math::max);
        }

        @Override
        public void processElement(StreamRecord<OutputRecord> element) {
            output.collect(element);
        }

        @Override
        public void snapshotState(StateSnapshotContext context) throws Exception {
            super.snapshotState(context);
            long id = context.getCheckpointId();
            if (!Injected.failedAfterPreCommit.get() && id >= Injected.failAfterCheckpoint) {
                ProcessingTimeService time = getProcessingTimeService();
                time.registerTimer(time.getCurrentProcessingTime(), ts -> {
                    System.err.printf("ExactlyOnceITCase failure point: checkpoint %d snapshot, completed up to %d%n", id, lastCompleted);
                    if (lastCompleted < id && Injected.failedAfterPreCommit.compareAndSet(false, true)) {
                        throw new IllegalStateException("injected failure after pre-commit of checkpoint " + id + ", before its commit");
                    }
                });
            }
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            super.notifyCheckpointComplete(checkpointId);
            lastCompleted = Math.max(lastCompleted, checkpointId);
        }
    }

    /** The simulated model; at clip {@code signalAtClip} it signals the test and holds the clip in inference for 2 s. */
    static final class SignallingModel implements ModelFactory {
        private static final long serialVersionUID = 1L;
        private final ModelFactory delegate;

        SignallingModel(ModelFactory delegate) { this.delegate = delegate; }

        @Override
        public GeometryModel create() throws Exception {
            GeometryModel m = delegate.create();
            return new GeometryModel() {
                @Override public ModelInfo info() { return m.info(); }
                @Override public ClipGeometry predict(ClipInput clip) throws ModelException {
                    if (Injected.clips.incrementAndGet() == Injected.signalAtClip) {
                        Injected.clipInInference.countDown();
                        try {
                            Thread.sleep(2000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return m.predict(clip);
                }
                @Override public void close() throws Exception { m.close(); }
            };
        }
    }
}
