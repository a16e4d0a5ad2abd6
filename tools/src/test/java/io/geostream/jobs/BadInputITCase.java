package io.geostream.jobs;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.FrameEvent;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.ObjectRef;
import io.geostream.demo.CommittedOutput;
import io.geostream.demo.SyntheticPublisher;
import io.geostream.inference.ModelFactory;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.operators.sink.StorageOptions;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.ObjectStore;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.RealStack;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import static io.geostream.testing.FrameEventEdits.edit;
import static io.geostream.testing.FrameEventEdits.setImage;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bad-input corpus on the real stack (KRaft broker, s3proxy, MiniCluster): every kind of malformed
 * record the job can be sent goes as raw bytes onto the real input topic, interleaved with the valid frames
 * of two synthetic streams, plus three streams that a test model fails on (NaN output, wrong shape,
 * timeout). Asserts one dead letter per bad record with the expected reason code, the per-reason ingest
 * counters, zero job restarts, and every valid frame exactly once in the committed output.
 *
 * <p>Capture time going backwards is <b>accepted</b>: the frame index orders a stream, capture time only
 * drives watermarks and idle detection, so a camera clock step back must not cost frames.
 */
class BadInputITCase {

    private static final int W = 64, H = 48;
    private static final int FRAMES = 24;
    private static final int MAX_ENCODED = 1024 * 1024;

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final RealStack.PerClass SERVERS = new RealStack.PerClass();

    @AfterAll
    static void stopServers() throws Exception {
        METRICS.close();
    }

    @Test
    void corpusIsDeadLetteredByReasonWithoutRestartsAndValidFramesComeThroughOnce() throws Exception {
        Configuration conf = new Configuration();
        conf.set(GeometryJobOptions.BOOTSTRAP_SERVERS, SERVERS.kafka().bootstrapServers());
        conf.set(IngestOptions.BOUNDED, true);
        conf.set(ClipOptions.LENGTH, 8);
        conf.set(ClipOptions.STRIDE, 6);
        conf.set(InferenceOptions.MAX_ATTEMPTS, 1);
        // Long enough that a slow shared CI machine never times out a healthy clip (a run beside a fuzzer did at 3 s).
        conf.set(InferenceOptions.ATTEMPT_TIMEOUT, Duration.ofSeconds(8));
        conf.set(IngestOptions.MAX_ENCODED_BYTES, MAX_ENCODED);
        conf.set(IngestOptions.CLAIM_CHECK, true);
        conf.set(StorageOptions.S3_ENDPOINT, SERVERS.s3().endpoint().toString());
        conf.set(StorageOptions.S3_ACCESS_KEY, "it-access");
        conf.set(StorageOptions.S3_SECRET_KEY, "it-secret-key");
        conf.set(SinkOptions.TRANSACTIONAL_ID_PREFIX, "geostream-bad-input");
        String input = conf.get(IngestOptions.INPUT_TOPIC);
        // The topic takes the oversized record, so that the job's own size guard is what refuses it.
        SERVERS.kafka().createTopics(Map.of(input, 2, conf.get(SinkOptions.GEOMETRY_TOPIC), 2,
                        conf.get(SinkOptions.SEGMENTS_TOPIC), 1, conf.get(SinkOptions.DEAD_LETTER_TOPIC), 1),
                Map.of(input, Map.of("max.message.bytes", String.valueOf(4 * MAX_ENCODED))));

        Map<String, SyntheticScene> scenes = new LinkedHashMap<>();
        scenes.put("cam-a", new SyntheticScene(new SceneSpec(21, W, H, FRAMES, TrajectoryKind.ORBIT, 0.0, 10)));
        scenes.put("cam-b", new SyntheticScene(new SceneSpec(22, W, H, FRAMES, TrajectoryKind.WALK, 0.0, 10)));
        // Streams the test model fails on; one clip's worth of frames each.
        for (String s : List.of(FaultyModel.NAN_STREAM, FaultyModel.SHAPE_STREAM, FaultyModel.SLOW_STREAM)) {
            scenes.put(s, new SyntheticScene(new SceneSpec(30 + s.length(), W, H, 8, TrajectoryKind.ORBIT, 0.0, 10)));
        }

        SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
        Map<String, Integer> expectedReasons = new TreeMap<>();
        Map<String, Set<Long>> expectedFrames = new TreeMap<>();
        // Bad records, sent after the valid frame with the same position in the interleaving.
        Map<Integer, List<Consumer<SyntheticPublisher>>> badAfter = new HashMap<>();
        Corpus corpus = new Corpus(codec, expectedReasons, badAfter);

        SyntheticScene a = scenes.get("cam-a");
        SyntheticScene b = scenes.get("cam-b");
        FrameEvent template = SyntheticPublisher.frameEvent("cam-a", a, 0, true);

        // Broken bytes.
        byte[] noise = new byte[300];
        new Random(5).nextBytes(noise);
        corpus.add(1, "DECODE_MARKER", "junk", noise);
        corpus.add(1, "DECODE_MARKER", "cam-a", new byte[0]);
        byte[] valid = codec.encode(template);
        corpus.add(2, "DECODE_BROKEN_RECORD", "cam-a", Arrays.copyOf(valid, valid.length / 2));
        corpus.add(2, "DECODE_BROKEN_RECORD", "cam-a", Arrays.copyOf(valid, 6));
        byte[] marker = valid.clone();
        marker[1] = 0x02;
        corpus.add(3, "DECODE_MARKER", "cam-a", marker);
        byte[] fingerprint = valid.clone();
        fingerprint[5] ^= 0x5A;
        corpus.add(3, "DECODE_UNKNOWN_FINGERPRINT", "cam-a", fingerprint);
        byte[] huge = new byte[MAX_ENCODED + 256 * 1024];
        new Random(6).nextBytes(huge);
        corpus.add(4, "DECODE_TOO_LARGE", "cam-a", huge);

        // Fields missing or out of range.
        corpus.add(4, "INVALID_STREAM_ID", edit(template, e -> e.setStreamId("../evil")));
        corpus.add(4, "INVALID_STREAM_ID", edit(template, e -> e.setStreamId("cam\u0000a\n")));
        corpus.add(4, "INVALID_STREAM_ID", edit(template, e -> e.setStreamId("c".repeat(129))));
        corpus.add(4, "INVALID_STREAM_ID", edit(template, e -> e.setStreamId("")));
        corpus.add(5, "INVALID_FRAME_INDEX", edit(template, e -> e.setFrameIndex(-1)));
        corpus.add(5, "INVALID_CAPTURE_TIME", edit(template, e -> e.setCaptureTimeMicros(-5)));
        corpus.add(5, "INVALID_INTRINSICS", edit(template, e -> e.getIntrinsics().setFx(Double.NaN)));
        corpus.add(5, "INVALID_INTRINSICS", edit(template, e -> e.getIntrinsics().setFy(-400.0)));
        corpus.add(5, "INVALID_INTRINSICS", edit(template, e -> e.getIntrinsics().setCx(Double.POSITIVE_INFINITY)));

        // Images.
        corpus.add(6, "INVALID_DIMENSIONS", edit(template, e -> e.getImage().setWidth(0)));
        corpus.add(6, "INVALID_DIMENSIONS", edit(template, e -> e.getImage().setHeight(-48)));
        corpus.add(6, "IMAGE_TOO_LARGE", edit(template, e -> { e.getImage().setWidth(100_000); e.getImage().setHeight(100_000); }));
        byte[] bombPng = pngHeader(100_000, 100_000);
        corpus.add(7, "IMAGE_TOO_LARGE", edit(template, e -> setImage(e, ImageEncoding.PNG, bombPng, 100_000, 100_000)));
        // The header's 100000x100000 is caught in Java, before the native decoder sees the bytes.
        corpus.add(7, "IMAGE_SIZE_MISMATCH", edit(template, e -> setImage(e, ImageEncoding.PNG, bombPng, W, H)));
        byte[] jpeg = template.getImage().getData().array();
        corpus.add(7, "IMAGE_CORRUPT", edit(template, e -> setImage(e, ImageEncoding.JPEG, Arrays.copyOf(jpeg, jpeg.length / 3), W, H)));
        byte[] garbledJpeg = jpeg.clone();
        Arrays.fill(garbledJpeg, 2, garbledJpeg.length - 2, (byte) 0x11);
        corpus.add(8, "IMAGE_CORRUPT", edit(template, e -> setImage(e, ImageEncoding.JPEG, garbledJpeg, W, H)));
        byte[] brokenPng = Arrays.copyOf(pngHeader(W, H), 200);
        Arrays.fill(brokenPng, 33, 200, (byte) 0x7E);
        corpus.add(8, "IMAGE_CORRUPT", edit(template, e -> setImage(e, ImageEncoding.PNG, brokenPng, W, H)));
        corpus.add(8, "IMAGE_CORRUPT", edit(template, e -> setImage(e, ImageEncoding.PNG, jpeg, W, H)));
        corpus.add(9, "RAW_SIZE_MISMATCH", edit(template, e -> setImage(e, ImageEncoding.RAW_RGB8, new byte[W * H * 3 - 1], W, H)));
        corpus.add(9, "UNSUPPORTED_ENCODING", edit(template, e -> e.getImage().setEncoding(ImageEncoding.UNKNOWN)));
        corpus.add(9, "UNSUPPORTED_ENCODING", edit(template, e -> setImage(e, ImageEncoding.NONE, null, W, H)));
        corpus.add(9, "IMAGE_MISSING", edit(template, e -> e.getImage().setData(null)));

        // Claim checks: the valid one carries cam-a's frame 5, which is not sent inline.
        ObjectStore store = GeometryJob.storageSettings(conf).open();
        FrameEvent five = SyntheticPublisher.frameEvent("cam-a", a, 5, true);
        byte[] fiveJpeg = five.getImage().getData().array();
        store.put("incoming/cam-a/5.jpg", fiveJpeg, "image/jpeg");
        String fiveUri = store.uriOf("incoming/cam-a/5.jpg");
        String fiveSha = sha256(fiveJpeg);
        FrameEvent fiveByRef = edit(five, e -> {
            e.getImage().setData(null);
            e.getImage().setRef(ObjectRef.newBuilder().setUri(fiveUri).setSizeBytes(fiveJpeg.length).setSha256(fiveSha).build());
        });
        corpus.add(10, "IMAGE_REF_REJECTED", edit(fiveByRef, e -> e.getImage().getRef().setUri("s3://other-bucket/incoming/cam-a/5.jpg")));
        corpus.add(10, "IMAGE_REF_REJECTED", edit(fiveByRef, e -> e.getImage().getRef().setUri(fiveUri.replace("incoming/", "incoming/../"))));
        corpus.add(10, "IMAGE_REF_REJECTED", edit(fiveByRef, e -> e.getImage().getRef().setSizeBytes(fiveJpeg.length - 1L)));
        corpus.add(10, "IMAGE_REF_REJECTED", edit(fiveByRef, e -> e.getImage().getRef().setSha256("0".repeat(64))));
        corpus.add(10, "IMAGE_REF_REJECTED", edit(fiveByRef, e -> e.getImage().getRef().setUri(store.uriOf("incoming/cam-a/missing.jpg"))));

        // Clip stage: a duplicate of an already cut frame.
        corpus.add(12, "DUPLICATE_FRAME", SyntheticPublisher.frameEvent("cam-a", a, 3, true));

        // Model failures: every frame of these streams becomes a dead letter with the model's reason.
        expectedReasons.merge("MODEL_OUTPUT_NON_FINITE", 8, Integer::sum);
        expectedReasons.merge("MODEL_OUTPUT_SHAPE", 8, Integer::sum);
        expectedReasons.merge("MODEL_TIMEOUT", 8, Integer::sum);

        try (SyntheticPublisher pub = new SyntheticPublisher(SERVERS.kafka().bootstrapServers(), input)) {
            for (int i = 0; i < FRAMES; i++) {
                for (Map.Entry<String, SyntheticScene> e : scenes.entrySet()) {
                    String id = e.getKey();
                    SyntheticScene scene = e.getValue();
                    if (i >= scene.spec().frames()) continue;
                    FrameEvent f = SyntheticPublisher.frameEvent(id, scene, i, true);
                    boolean validStream = id.equals("cam-a") || id.equals("cam-b");
                    if (id.equals("cam-a") && i == 5) {
                        f = fiveByRef;                                    // by claim check
                    } else if (id.equals("cam-a") && i == 14) {
                        f = SyntheticPublisher.frameEvent(id, scene, 15, true); // 14 and 15 swapped, within the reorder window
                    } else if (id.equals("cam-a") && i == 15) {
                        f = SyntheticPublisher.frameEvent(id, scene, 14, true);
                    } else if (id.equals("cam-b") && i == 12) {
                        // The camera clock steps back by 0.5 s: accepted (see the class comment).
                        long back = scene.captureTimeMicros(11) - 500_000;
                        f = edit(f, x -> x.setCaptureTimeMicros(back));
                    }
                    if (id.equals("cam-b") && i == 4) {
                        // Withheld: frames 5.. overflow the reorder window (8), so a new segment starts at 5
                        // and frame 4, sent after 15, is LATE_FRAME.
                    } else {
                        pub.sendRaw(id, codec.encode(f));
                        if (validStream) expectedFrames.computeIfAbsent(id, k -> new TreeSet<>()).add(f.getFrameIndex());
                    }
                    if (id.equals("cam-b") && i == 15) {
                        pub.sendRaw(id, codec.encode(SyntheticPublisher.frameEvent(id, scene, 4, true)));
                        expectedReasons.merge("LATE_FRAME", 1, Integer::sum);
                    }
                    if (i == scene.spec().frames() - 1) {
                        pub.sendRaw(id, codec.encode(SyntheticPublisher.endEvent(id, scene)));
                    }
                }
                for (Consumer<SyntheticPublisher> bad : badAfter.getOrDefault(i, List.of())) bad.accept(pub);
            }
            pub.flush();
        } finally {
            store.close();
        }
        assertThat(expectedFrames.get("cam-a")).hasSize(FRAMES);
        assertThat(expectedFrames.get("cam-b")).hasSize(FRAMES - 1);

        Configuration jobConf = new Configuration();
        // No restarts allowed: a task failure would fail execute(), so a finished job had none.
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConf);
        env.setParallelism(2);
        env.enableCheckpointing(500);
        new GeometryJob(conf, GeometryJob.kafkaSource(conf), GeometryJob.kafkaSink(conf), GeometryJob.storageSettings(conf),
                new FaultyModelFactory()).build(env);
        JobExecutionResult result = env.execute("geostream-bad-input");

        CommittedOutput out = CommittedOutput.read(SERVERS.kafka().bootstrapServers(), conf.get(SinkOptions.GEOMETRY_TOPIC),
                conf.get(SinkOptions.SEGMENTS_TOPIC), conf.get(SinkOptions.DEAD_LETTER_TOPIC));

        // Every valid frame exactly once, nothing else.
        Map<String, List<Long>> got = new TreeMap<>();
        for (GeometryFrame g : out.frames()) {
            got.computeIfAbsent(g.getStreamId(), k -> new ArrayList<>()).add(g.getFrameIndex());
        }
        got.values().forEach(l -> l.sort(null));
        Map<String, List<Long>> want = new TreeMap<>();
        expectedFrames.forEach((k, v) -> want.put(k, new ArrayList<>(v)));
        assertThat(got).isEqualTo(want);
        GeometryFrame twelve = out.frames().stream().filter(g -> g.getStreamId().equals("cam-b") && g.getFrameIndex() == 12)
                .findFirst().orElseThrow();
        assertThat(twelve.getCaptureTimeMicros()).isEqualTo(b.captureTimeMicros(11) - 500_000);

        // One dead letter per bad record, by reason.
        Map<String, Integer> reasons = new TreeMap<>();
        for (DeadLetter d : out.deadLetters()) reasons.merge(d.getReasonCode(), 1, Integer::sum);
        assertThat(reasons).isEqualTo(expectedReasons);
        // Stream-level reasons name their frames.
        assertThat(out.deadLetters()).filteredOn(d -> d.getReasonCode().equals("LATE_FRAME"))
                .singleElement().satisfies(d -> assertThat(d.getFrameIndex()).isEqualTo(4L));
        assertThat(out.deadLetters()).filteredOn(d -> d.getReasonCode().startsWith("MODEL_"))
                .extracting(DeadLetter::getStreamId).containsOnly(FaultyModel.NAN_STREAM, FaultyModel.SHAPE_STREAM, FaultyModel.SLOW_STREAM);

        // The per-reason counters of every stage (group "rejected": ingest, clip, stitch) agree with the dead letters.
        Map<String, Long> counters = new TreeMap<>();
        Pattern rejected = Pattern.compile(".*\\.rejected\\.([A-Z_]+)\\.count$");
        long restarts = -1;
        // By group, not by identifier: a task of one operator (the loop closer) has the operator's name, so its task and
        // operator metrics share identifiers, which getMetricsByIdentifiers refuses to merge.
        for (var m : METRICS.findJobMetricGroups(result.getJobID(), ".*")) {
            String id = m.f0.getMetricIdentifier(m.f1);
            Matcher matcher = rejected.matcher(id);
            if (matcher.matches() && m.f2 instanceof Counter c) {
                counters.merge(matcher.group(1), c.getCount(), Long::sum);
            }
            if (id.endsWith(".numRestarts") && m.f2 instanceof Gauge<?> g) {
                restarts = ((Number) g.getValue()).longValue();
            }
        }
        Map<String, Long> allDeadLetters = new TreeMap<>();
        for (DeadLetter d : out.deadLetters()) allDeadLetters.merge(d.getReasonCode(), 1L, Long::sum);
        assertThat(out.deadLetters()).extracting(DeadLetter::getStage).contains("ingest", "clip", "inference");
        assertThat(counters).isEqualTo(allDeadLetters);
        assertThat(restarts).as("numRestarts").isZero();
    }

    /** Builds the corpus: each bad record with the reason it must be dead-lettered for. */
    private record Corpus(SingleObjectCodec<FrameEvent> codec, Map<String, Integer> expected,
                          Map<Integer, List<Consumer<SyntheticPublisher>>> after) {
        void add(int afterFrame, String reason, String key, byte[] bytes) {
            expected.merge(reason, 1, Integer::sum);
            after.computeIfAbsent(afterFrame, k -> new ArrayList<>()).add(p -> p.sendRaw(key, bytes));
        }

        void add(int afterFrame, String reason, FrameEvent event) {
            add(afterFrame, reason, event.getStreamId(), codec.encode(event));
        }
    }


    /** A PNG signature and a well-formed IHDR claiming {@code w x h}, 8-bit RGB, and nothing else. */
    private static byte[] pngHeader(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(33).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        b.putInt(13);
        int chunkStart = b.position();
        b.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(b.array(), chunkStart, 17);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Creates {@link FaultyModel}s (serialisable: each worker builds its own). */
    static final class FaultyModelFactory implements ModelFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public GeometryModel create() {
            return new FaultyModel();
        }
    }

    /** The simulated model, except on three streams: NaN output, one frame too few, never answering in time. */
    static final class FaultyModel implements GeometryModel {
        static final String NAN_STREAM = "cam-nan";
        static final String SHAPE_STREAM = "cam-shape";
        static final String SLOW_STREAM = "cam-slow";

        private final SimulatedGeometryModel simulated = new SimulatedGeometryModel(SimulatedModelSettings.defaults());

        @Override
        public ModelInfo info() {
            return simulated.info();
        }

        @Override
        public ClipGeometry predict(ClipInput clip) throws ModelException {
            switch (clip.streamId()) {
                case SLOW_STREAM -> {
                    try {
                        Thread.sleep(60_000); // cancelled (interrupted) at the attempt deadline
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IllegalStateException("interrupted");
                }
                case NAN_STREAM -> {
                    ClipGeometry g = simulated.predict(clip);
                    g.frames().get(g.frames().size() - 1).pointMap()[7] = Float.NaN;
                    return g;
                }
                case SHAPE_STREAM -> {
                    ClipGeometry g = simulated.predict(clip);
                    return new ClipGeometry(g.width(), g.height(), g.frames().subList(0, g.frames().size() - 1));
                }
                default -> {
                    return simulated.predict(clip);
                }
            }
        }
    }
}
