package io.geostream.load;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.FrameEvent;
import io.geostream.avro.GeometryFrame;
import io.geostream.demo.SyntheticPublisher;
import io.geostream.embedded.EmbeddedKafka;
import io.geostream.embedded.EmbeddedS3;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.jobs.GeometryJobOptions;
import io.geostream.model.ClipInput;
import io.geostream.model.ModelException;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.operators.sink.StorageOptions;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.StorageSettings;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the load commands share: one embedded Kafka broker and S3 server, synthetic streams whose frames
 * cycle through {@link #CYCLE} pre-rendered JPEGs (capture time = the wall clock at publishing, frame
 * indices counting up for ever), a publisher thread, and a read_committed watcher of the output topics.
 */
public final class LoadRig implements AutoCloseable {
    /** Pre-rendered frames per stream; a multiple of the default clip stride so clips repeat exactly. */
    public static final int CYCLE = 120;

    private final Path work;
    private final EmbeddedKafka kafka;
    private final EmbeddedS3 s3;
    private final String accessKey = "geostream-load";
    private final String secretKey = "geostream-load-secret";
    private final String bucket = "geostream";
    private final List<Stream> streams = new ArrayList<>();

    /** One synthetic camera: its scene, and its cycle of JPEGs. */
    public record Stream(String id, SceneSpec spec, byte[][] jpegs, byte[][] rgb, CameraIntrinsics intrinsics) {}

    private LoadRig(Path work, EmbeddedKafka kafka, EmbeddedS3 s3) {
        this.work = work;
        this.kafka = kafka;
        this.s3 = s3;
    }

    /** The rig's work directory (broker and S3 data; the jobs' checkpoints go under it too). */
    public Path workDir() {
        return work;
    }

    /** Flink settings that keep a job's checkpoints in the rig's object store ({@link EmbeddedS3#flinkCheckpointSettings}). */
    public Configuration flinkCheckpointSettings() throws IOException {
        return s3.flinkCheckpointSettings(bucket);
    }

    /** Starts the servers and renders {@code streams} cameras of {@code width x height}. */
    public static LoadRig start(int streams, int width, int height, long seed) throws IOException {
        Path work = Files.createTempDirectory("geostream-load-");
        EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().dataDir(work.resolve("kafka")));
        EmbeddedS3 s3 = null;
        try {
            s3 = EmbeddedS3.start(work.resolve("s3"), 0, "geostream-load", "geostream-load-secret");
            LoadRig rig = new LoadRig(work, kafka, s3);
            s3.createBucket(rig.bucket);
            TrajectoryKind[] kinds = TrajectoryKind.values();
            for (int i = 0; i < streams; i++) {
                // A long scene: the simulated model re-renders truth by frame index, which grows for ever here.
                SceneSpec spec = new SceneSpec(seed + i, width, height, 1_000_000, kinds[i % kinds.length], 0.0, 10.0);
                SyntheticScene scene = new SyntheticScene(spec);
                byte[][] jpegs = new byte[CYCLE][];
                byte[][] rgb = new byte[CYCLE][];
                CameraIntrinsics k = null;
                for (int f = 0; f < CYCLE; f++) {
                    FrameTruth t = scene.render(f);
                    rgb[f] = t.rgb();
                    jpegs[f] = io.geostream.storage.PayloadCodecs.jpeg(t.rgb(), width, height, SyntheticPublisher.JPEG_QUALITY);
                    k = t.intrinsics();
                }
                rig.streams.add(new Stream("cam-" + i, spec, jpegs, rgb, k));
            }
            return rig;
        } catch (RuntimeException e) {
            if (s3 != null) s3.close();
            kafka.close();
            throw e;
        }
    }

    public List<Stream> streams() { return streams; }

    public String bootstrapServers() { return kafka.bootstrapServers(); }

    /** The keys {@link #jobConfig} sets for each run: the rig's broker, topics, group, transactions and object store. */
    public static final java.util.Set<String> RUN_KEYS = java.util.Set.of(GeometryJobOptions.BOOTSTRAP_SERVERS.key(),
            IngestOptions.INPUT_TOPIC.key(), SinkOptions.GEOMETRY_TOPIC.key(), SinkOptions.SEGMENTS_TOPIC.key(),
            SinkOptions.DEAD_LETTER_TOPIC.key(), SinkOptions.CORRECTIONS_TOPIC.key(), IngestOptions.GROUP_ID.key(),
            SinkOptions.TRANSACTIONAL_ID_PREFIX.key(), StorageOptions.KIND.key(), StorageOptions.S3_ENDPOINT.key(),
            StorageOptions.S3_BUCKET.key(), StorageOptions.S3_ACCESS_KEY.key(), StorageOptions.S3_SECRET_KEY.key());

    /**
     * The job configuration of one run: its own topics (created here, {@code partitions} for the input), its
     * own transactional id prefix and consumer group, the embedded S3 server.
     */
    public Configuration jobConfig(String run, int partitions) {
        Configuration conf = new Configuration();
        conf.set(GeometryJobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(IngestOptions.INPUT_TOPIC, run + ".frames");
        conf.set(SinkOptions.GEOMETRY_TOPIC, run + ".geometry");
        conf.set(SinkOptions.SEGMENTS_TOPIC, run + ".segments");
        conf.set(SinkOptions.DEAD_LETTER_TOPIC, run + ".dead-letters");
        conf.set(SinkOptions.CORRECTIONS_TOPIC, run + ".corrections");
        conf.set(IngestOptions.GROUP_ID, run);
        conf.set(SinkOptions.TRANSACTIONAL_ID_PREFIX, run);
        conf.set(StorageOptions.KIND, StorageSettings.Kind.S3);
        conf.set(StorageOptions.S3_ENDPOINT, s3.endpoint().toString());
        conf.set(StorageOptions.S3_BUCKET, bucket);
        conf.set(StorageOptions.S3_ACCESS_KEY, accessKey);
        conf.set(StorageOptions.S3_SECRET_KEY, secretKey);
        kafka.createTopics(Map.of(conf.get(IngestOptions.INPUT_TOPIC), partitions, conf.get(SinkOptions.GEOMETRY_TOPIC), 1,
                conf.get(SinkOptions.SEGMENTS_TOPIC), 1, conf.get(SinkOptions.DEAD_LETTER_TOPIC), 1, conf.get(SinkOptions.CORRECTIONS_TOPIC), 1),
                EmbeddedKafka.compacted(conf.get(SinkOptions.CORRECTIONS_TOPIC)));
        return conf;
    }

    /** The input event of frame {@code index} of {@code s}, captured at {@code captureMicros}. */
    public static FrameEvent frame(Stream s, long index, long captureMicros) {
        int c = (int) Math.floorMod(index, (long) CYCLE);
        return FrameEvent.newBuilder()
                .setStreamId(s.id())
                .setFrameIndex(index)
                .setCaptureTimeMicros(captureMicros)
                .setEndOfStream(false)
                .setImage(io.geostream.avro.FrameImage.newBuilder().setEncoding(io.geostream.avro.ImageEncoding.JPEG)
                        .setWidth(s.spec().width()).setHeight(s.spec().height()).setData(ByteBuffer.wrap(s.jpegs()[c])).setRef(null).build())
                .setIntrinsics(io.geostream.avro.Intrinsics.newBuilder().setFx(s.intrinsics().fx()).setFy(s.intrinsics().fy())
                        .setCx(s.intrinsics().cx()).setCy(s.intrinsics().cy()).build())
                .setDistortion(null)
                .setAttributes(Map.of(SceneSpec.ATTRIBUTE_KEY, s.spec().encode()))
                .build();
    }

    /**
     * Precomputes the zero-cost model's geometry for every clip position of every stream (clips of
     * {@code clipLength} starting at multiples of {@code stride}; CYCLE must be a multiple of the stride).
     */
    public void precomputeClips(int clipLength, int stride) throws ModelException {
        if (CYCLE % stride != 0) throw new IllegalArgumentException("clip stride must divide " + CYCLE + ", got " + stride);
        for (Stream s : streams) {
            for (int p = 0; p < CYCLE; p += stride) {
                List<ClipInput.Frame> frames = new ArrayList<>();
                for (int i = 0; i < clipLength; i++) {
                    int c = (p + i) % CYCLE;
                    frames.add(new ClipInput.Frame(p + i, (p + i) * 100_000L, s.rgb()[c], s.intrinsics(), false));
                }
                PrecomputedGeometryModel.precompute(new ClipInput(s.id(), 0, p / stride, s.spec().width(), s.spec().height(), frames,
                        Map.of(SceneSpec.ATTRIBUTE_KEY, s.spec().encode())));
            }
        }
    }

    /**
     * Publishes frames of every stream until closed. Closed loop ({@code fps <= 0}): a stream's next frame goes
     * out once fewer than {@code window} of its frames are published but not yet committed, so the job runs
     * as fast as it can with a bounded queue. Paced ({@code fps > 0}): every stream at {@code fps}, as live cameras,
     * stream i of n starting {@code i / n x phaseSpreadSeconds} after the first (cameras switched on at different
     * times; 0: all in step, so their clips all complete at the same moment).
     */
    public Publisher publisher(String topic, Watcher watcher, int window, double fps, double phaseSpreadSeconds) {
        if (phaseSpreadSeconds < 0) throw new IllegalArgumentException("phaseSpreadSeconds must be >= 0, got " + phaseSpreadSeconds);
        return new Publisher(topic, watcher, window, fps, phaseSpreadSeconds);
    }

    /** Reads the geometry and dead-letter topics of a run (read_committed) and keeps what the commands measure. */
    public Watcher watcher(Configuration conf) {
        return new Watcher(conf.get(SinkOptions.GEOMETRY_TOPIC), conf.get(SinkOptions.DEAD_LETTER_TOPIC));
    }

    /** See {@link #publisher}. */
    public final class Publisher implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong published = new AtomicLong();
        private final Thread thread;

        private Publisher(String topic, Watcher watcher, int window, double fps, double phaseSpreadSeconds) {
            thread = new Thread(() -> loop(topic, watcher, window, fps, phaseSpreadSeconds), "load-publisher");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop(String topic, Watcher watcher, int window, double fps, double phaseSpreadSeconds) {
            SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
            long[] next = new long[streams.size()];
            long[] offsetNanos = new long[streams.size()];
            for (int i = 0; i < offsetNanos.length; i++) offsetNanos[i] = (long) (i * phaseSpreadSeconds * 1e9 / offsetNanos.length);
            long start = System.nanoTime();
            try (SyntheticPublisher pub = new SyntheticPublisher(kafka.bootstrapServers(), topic)) {
                while (!stop.get()) {
                    boolean sent = false;
                    for (int i = 0; i < streams.size(); i++) {
                        Stream s = streams.get(i);
                        boolean due = fps > 0
                                ? System.nanoTime() - start >= offsetNanos[i] + (long) (next[i] * 1e9 / fps)
                                : next[i] - watcher.committedUpTo(s.id()) <= window;
                        if (!due) continue;
                        pub.sendRaw(s.id(), codec.encode(frame(s, next[i], System.currentTimeMillis() * 1000L)));
                        next[i]++;
                        published.incrementAndGet();
                        sent = true;
                    }
                    if (!sent) {
                        pub.flush();
                        Thread.sleep(1);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        public long published() { return published.get(); }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
        }
    }

    /** See {@link #watcher}. */
    public final class Watcher implements AutoCloseable {
        private final Map<String, AtomicLong> committedUpTo = new ConcurrentHashMap<>();
        private final List<long[]> frames = new ArrayList<>(); // {visible ms, capture ms}
        private final Map<String, Long> deadLettersByReason = new LinkedHashMap<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        private final String geometryTopic;
        private volatile byte[] sample;

        private Watcher(String geometryTopic, String deadLetterTopic) {
            this.geometryTopic = geometryTopic;
            thread = new Thread(() -> loop(geometryTopic, deadLetterTopic), "load-watcher");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop(String geometryTopic, String deadLetterTopic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "load-watcher-" + geometryTopic);
            p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024));
            SingleObjectCodec<GeometryFrame> geometry = SingleObjectCodec.geometryFrames();
            SingleObjectCodec<DeadLetter> deadLetters = SingleObjectCodec.deadLetters();
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(geometryTopic, deadLetterTopic));
                while (!stop.get()) {
                    var records = c.poll(Duration.ofMillis(100));
                    long now = System.currentTimeMillis();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        if (r.topic().equals(geometryTopic)) {
                            GeometryFrame g = geometry.decode(r.value());
                            if (sample == null) sample = r.value();
                            committedUpTo.computeIfAbsent(g.getStreamId(), k -> new AtomicLong(-1))
                                    .accumulateAndGet(g.getFrameIndex(), Math::max);
                            synchronized (this) {
                                frames.add(new long[] {now, g.getCaptureTimeMicros() / 1000L});
                            }
                        } else {
                            DeadLetter d = deadLetters.decode(r.value());
                            synchronized (this) {
                                deadLettersByReason.merge(d.getReasonCode(), 1L, Long::sum);
                            }
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                Thread.currentThread().interrupt();
            } catch (io.geostream.schemas.RecordDecodingException e) {
                throw new IllegalStateException("the job wrote an undecodable record", e);
            }
        }

        /** The first committed GeometryFrame, encoded (null before one came). */
        public byte[] sample() { return sample; }

        /** Highest committed frame index of the stream (-1: none yet). */
        public long committedUpTo(String stream) {
            AtomicLong v = committedUpTo.get(stream);
            return v == null ? -1 : v.get();
        }

        /** Committed frames that became visible in [fromMs, toMs): {visible ms, capture ms} each. */
        public synchronized List<long[]> framesBetween(long fromMs, long toMs) {
            List<long[]> out = new ArrayList<>();
            for (long[] f : frames) if (f[0] >= fromMs && f[0] < toMs) out.add(f);
            return out;
        }

        public synchronized long framesTotal() { return frames.size(); }

        public synchronized Map<String, Long> deadLetters() { return new LinkedHashMap<>(deadLettersByReason); }

        public synchronized long deadLettersTotal() {
            return deadLettersByReason.values().stream().mapToLong(Long::longValue).sum();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
        }
    }

    @Override
    public void close() {
        s3.close();
        kafka.close();
        try (var walk = Files.walk(work)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp directory
        }
    }
}
