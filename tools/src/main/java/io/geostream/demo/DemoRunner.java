package io.geostream.demo;

import io.geostream.avro.GeometryFrame;
import io.geostream.embedded.EmbeddedKafka;
import io.geostream.embedded.EmbeddedS3;
import io.geostream.inference.ModelSettings;
import io.geostream.jobs.GeometryJob;
import io.geostream.jobs.GeometryJobOptions;
import io.geostream.jobs.JobConfigs;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.operators.sink.StorageOptions;
import io.geostream.operators.stitch.StitchOptions;
import io.geostream.produce.CameraProducer;
import io.geostream.produce.FrameSource;
import io.geostream.produce.FrameSources;
import io.geostream.produce.ProducerSettings;
import io.geostream.records.StreamIds;
import io.geostream.stitch.StitchMethod;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.S3ObjectStore;
import io.geostream.storage.StorageSettings;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The embedded default: a real KRaft broker and a real S3 API server in this JVM, Flink locally with
 * its web dashboard, synthetic cameras (or a real video, {@link VideoInput}) published to Kafka, the job run until every stream has ended,
 * and the committed output read back, summarised and copied under the output directory.
 */
public final class DemoRunner {

    /** What to run. */
    public record Settings(int streams, int frames, int width, int height, Path outDir, String model, int uiPort,
                           int parallelism, Integer clipLength, Integer clipStride, boolean giveIntrinsics, boolean keepRunning,
                           long seed, Configuration jobOptions) {}

    /**
     * A real video as the demo's input instead of the synthetic cameras: published through the camera
     * producer ({@link CameraProducer}) as one stream, as fast as possible. A real video has no truth, so
     * the summary's trajectory error is null.
     *
     * @param source    video file, image folder, device or URL, as {@code geostream produce --source}
     * @param streamId  the stream id (Kafka key)
     * @param maxFrames frames to publish at most; 0 for all
     * @param width     published width, or 0 (with height 0) for the source's size
     * @param height    published height, or 0
     */
    public record VideoInput(String source, String streamId, long maxFrames, int width, int height) {
        public VideoInput {
            Objects.requireNonNull(source, "source");
            StreamIds.requireValid(streamId);
        }
    }

    /** How often the running job's progress is printed. */
    private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

    private final Settings settings;
    private final VideoInput video;
    private final PrintWriter log;

    /** The demo on synthetic cameras ({@code settings.streams()} of them, with truth). */
    public DemoRunner(Settings settings, PrintWriter log) {
        this(settings, null, log);
    }

    /** The demo on {@code video} when it is not null (then the synthetic stream settings are unused). */
    public DemoRunner(Settings settings, VideoInput video, PrintWriter log) {
        this.settings = Objects.requireNonNull(settings, "settings");
        if (video != null && ModelSettings.SIMULATED.equals(settings.model())) {
            throw new IllegalArgumentException("a real video has no truth for the simulated model to re-render: "
                    + "give a model package directory with a video source");
        }
        this.video = video;
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Runs the demo; returns the summary (the caller decides the exit code). */
    public RunSummary run() throws Exception {
        long start = System.nanoTime();
        Path out = settings.outDir().toAbsolutePath();
        Files.createDirectories(out);
        Path work = Files.createTempDirectory("geostream-demo-");
        String accessKey = "geostream-" + hex(4);
        String secretKey = hex(16);
        String bucket = "geostream";
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().dataDir(work.resolve("kafka")));
             EmbeddedS3 s3 = EmbeddedS3.start(work.resolve("s3"), 0, accessKey, secretKey)) {
            s3.createBucket(bucket);
            log.println("Kafka (KRaft) at " + kafka.bootstrapServers() + ", S3 API at " + s3.endpoint());

            // Options from --config / -D first; the embedded servers' addresses and the demo's flags win.
            Configuration conf = new Configuration(settings.jobOptions());
            conf.set(GeometryJobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            // --keep-running: the job stays up (unbounded source) so the dashboard keeps showing it and its metrics.
            conf.set(IngestOptions.BOUNDED, !settings.keepRunning());
            conf.set(InferenceOptions.MODEL, settings.model());
            if (settings.clipLength() != null) conf.set(ClipOptions.LENGTH, settings.clipLength());
            if (settings.clipStride() != null) conf.set(ClipOptions.STRIDE, settings.clipStride());
            // The keyframe policy, unless set, is the job's own rule (ClipOptions.keyframePolicy): first-only with the
            // simulated model, refresh with a model package.
            conf.set(StorageOptions.KIND, StorageSettings.Kind.S3);
            conf.set(StorageOptions.S3_ENDPOINT, s3.endpoint().toString());
            conf.set(StorageOptions.S3_BUCKET, bucket);
            conf.set(StorageOptions.S3_ACCESS_KEY, accessKey);
            conf.set(StorageOptions.S3_SECRET_KEY, secretKey);
            conf.set(SinkOptions.TRANSACTIONAL_ID_PREFIX, "geostream-demo-" + hex(4));
            kafka.createTopics(Map.of(conf.get(IngestOptions.INPUT_TOPIC), 2, conf.get(SinkOptions.GEOMETRY_TOPIC), 2,
                    conf.get(SinkOptions.SEGMENTS_TOPIC), 1, conf.get(SinkOptions.DEAD_LETTER_TOPIC), 1,
                    conf.get(SinkOptions.CORRECTIONS_TOPIC), 1), EmbeddedKafka.compacted(conf.get(SinkOptions.CORRECTIONS_TOPIC)));

            Map<String, Long> published = new LinkedHashMap<>();
            Map<String, SceneSpec> specs = new LinkedHashMap<>();
            if (video != null) {
                published.put(video.streamId(), publishVideo(kafka.bootstrapServers(), conf.get(IngestOptions.INPUT_TOPIC)));
            } else {
                try (SyntheticPublisher pub = new SyntheticPublisher(kafka.bootstrapServers(), conf.get(IngestOptions.INPUT_TOPIC))) {
                    TrajectoryKind[] kinds = TrajectoryKind.values();
                    for (int i = 0; i < settings.streams(); i++) {
                        specs.put("cam-" + i, new SceneSpec(settings.seed() + i, settings.width(), settings.height(), settings.frames(),
                                kinds[i % kinds.length], 0.0, 10.0));
                    }
                    pub.publishStreams(specs, settings.giveIntrinsics()).forEach((id, n) -> published.put(id, (long) n));
                }
                log.printf("published %d synthetic stream(s) x %d frames at %dx%d%n", settings.streams(), settings.frames(),
                        settings.width(), settings.height());
            }
            log.flush();

            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(
                    flinkConfiguration(settings, work.resolve("checkpoints")));
            env.setParallelism(settings.parallelism());
            GeometryJob.fromConfig(conf).build(env);
            log.println((settings.uiPort() == 0 ? "Flink dashboard on a free port (Flink logs 'Web frontend listening at')"
                    : "Flink dashboard: http://localhost:" + settings.uiPort() + "/") + "  (running the job on " + settings.model() + ")");
            CommittedOutput result;
            if (settings.keepRunning()) {
                JobClient job = env.executeAsync("geostream-demo");
                result = awaitEveryFrame(job, kafka.bootstrapServers(), conf, published.values().stream().mapToLong(Long::longValue).sum());
            } else {
                awaitEnd(env.executeAsync("geostream-demo"), kafka.bootstrapServers(), conf.get(SinkOptions.GEOMETRY_TOPIC),
                        published.values().stream().mapToLong(Long::longValue).sum());
                result = CommittedOutput.read(kafka.bootstrapServers(), conf.get(SinkOptions.GEOMETRY_TOPIC),
                        conf.get(SinkOptions.SEGMENTS_TOPIC), conf.get(SinkOptions.DEAD_LETTER_TOPIC), conf.get(SinkOptions.CORRECTIONS_TOPIC));
            }
            writeAvroFile(result.frames(), out.resolve("geometry-frames.avro"));
            io.geostream.map.OutputDirectory.writeCorrections(out, result.corrections());
            for (Map.Entry<String, SceneSpec> e : specs.entrySet()) {
                io.geostream.map.OutputDirectory.writeTruth(out, e.getKey(), new io.geostream.synthetic.SyntheticScene(e.getValue()));
            }
            try (ObjectStore store = GeometryJob.storageSettings(conf).open()) {
                mirror(store, out.resolve("objects"));
            }
            double wall = (System.nanoTime() - start) / 1e9;
            RunSummary summary = RunSummary.of(published, specs, 0, result, wall, settings.model())
                    .withConsistency(OutputConsistency.measure(result.frames(), out.resolve("objects")));
            Files.writeString(out.resolve("summary.json"), summary.toJson(), StandardCharsets.UTF_8);
            log.print(summary.toHuman(ModelSettings.SIMULATED.equals(settings.model())));
            log.println("wrote " + out.resolve("summary.json") + ", geometry-frames.avro, objects/"
                    + (specs.isEmpty() ? "" : ", truth/") + "; writing the report");
            log.flush();
            long reportStart = System.nanoTime();
            Path report = DemoReport.write(out, specs);
            log.printf(java.util.Locale.ROOT, "report: %s  (one self-contained page: open it in a browser; written in %.1f s)%n",
                    report.toUri(), (System.nanoTime() - reportStart) / 1e9);
            log.flush();
            if (settings.keepRunning()) {
                log.println("--keep-running: the job keeps running on the dashboard; Kafka " + kafka.bootstrapServers()
                        + " (publish more with geostream produce --bootstrap-servers " + kafka.bootstrapServers() + "), S3 "
                        + s3.endpoint() + " bucket " + bucket + " (access key " + accessKey + ", secret in this process only). Ctrl-C to stop.");
                log.flush();
                Thread.currentThread().join();
            }
            return summary;
        } finally {
            deleteRecursively(work);
        }
    }

    /**
     * Polls the committed output of the running (unbounded) job until every published frame came out as geometry or a
     * dead letter; fails when the job ends first.
     */
    private static CommittedOutput awaitEveryFrame(JobClient job, String bootstrapServers, Configuration conf, long published)
            throws Exception {
        while (true) {
            CommittedOutput out = CommittedOutput.read(bootstrapServers, conf.get(SinkOptions.GEOMETRY_TOPIC),
                    conf.get(SinkOptions.SEGMENTS_TOPIC), conf.get(SinkOptions.DEAD_LETTER_TOPIC), conf.get(SinkOptions.CORRECTIONS_TOPIC));
            if (out.frames().size() + out.deadLetters().size() >= published) return out;
            if (job.getJobStatus().get().isGloballyTerminalState()) {
                throw new IllegalStateException("the job ended (" + job.getJobStatus().get() + ") before every frame came out");
            }
            Thread.sleep(1000);
        }
    }

    /**
     * Waits for the (bounded) job to end, printing how many frames have come out so far (committed) every few seconds;
     * rethrows the job's failure.
     */
    private void awaitEnd(JobClient job, String bootstrapServers, String geometryTopic, long published) throws Exception {
        java.util.concurrent.CompletableFuture<org.apache.flink.api.common.JobExecutionResult> end = job.getJobExecutionResult();
        long startNanos = System.nanoTime(), lastPrint = startNanos, lastCount = -1;
        try (CommittedFrameCounter counter = new CommittedFrameCounter(bootstrapServers, geometryTopic)) {
            while (!end.isDone()) {
                long n = counter.poll(java.time.Duration.ofMillis(500));
                long now = System.nanoTime();
                if (n != lastCount && now - lastPrint > PROGRESS_EVERY_NANOS) {
                    log.printf(java.util.Locale.ROOT, "job running: %d/%d frames out (committed) after %.0f s%n", n, published,
                            (now - startNanos) / 1e9);
                    log.flush();
                    lastPrint = now;
                    lastCount = n;
                }
            }
        }
        try {
            end.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        log.printf(java.util.Locale.ROOT, "job finished after %.0f s%n", (System.nanoTime() - startNanos) / 1e9);
    }

    /** Publishes the video through the camera producer; returns the frames sent. */
    private long publishVideo(String bootstrapServers, String topic) throws IOException, InterruptedException {
        ProducerSettings ps = ProducerSettings.of(video.streamId(), topic).withRealtime(false).withMaxFrames(video.maxFrames());
        if (video.width() > 0) ps = ps.withResize(video.width(), video.height());
        try (FrameSource source = FrameSources.open(video.source(), 30);
             KafkaProducer<byte[], byte[]> producer = CameraProducer.kafkaProducer(bootstrapServers, Map.of())) {
            CameraProducer.Result r = new CameraProducer(producer, null, ps).run(source, null);
            log.printf("published %s as stream %s: %d frames (%.1f frames/s)%n", source.describe(), video.streamId(),
                    r.frames(), r.framesPerSecond());
            return r.frames();
        }
    }

    static void writeAvroFile(List<GeometryFrame> frames, Path file) throws IOException {
        try (DataFileWriter<GeometryFrame> w = new DataFileWriter<>(new SpecificDatumWriter<>(GeometryFrame.class))) {
            w.create(GeometryFrame.getClassSchema(), file.toFile());
            for (GeometryFrame g : frames) w.append(g);
        }
    }

    /** Copies every object to {@code dir/<key>}, exactly as the URIs name it. */
    static void mirror(ObjectStore store, Path dir) throws IOException {
        for (String key : store.list("")) {
            Path target = dir.resolve(key).normalize();
            if (!target.startsWith(dir)) throw new IOException("object key escapes the mirror: " + key);
            Files.createDirectories(target.getParent());
            Files.write(target, store.get(key));
        }
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static void deleteRecursively(Path p) {
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp directory
        }
    }

    /**
     * Flink's settings of the demo's job: a checkpoint a second (the demo's output becomes visible at commits), then the
     * Flink settings from --config / -D (every key outside {@code geostream.*}), then the demo's flags (port,
     * parallelism), then what every local run has ({@link GeometryJob#localFlinkConfiguration}).
     */
    static Configuration flinkConfiguration(Settings settings, Path checkpointDir) {
        Configuration flink = new Configuration();
        flink.setString("execution.checkpointing.interval", "1 s");
        flink.setString("pipeline.object-reuse", "true");
        settings.jobOptions().toMap().forEach((key, value) -> {
            if (!JobConfigs.isJobKey(key)) flink.setString(key, value);
        });
        flink.set(RestOptions.PORT, settings.uiPort());
        flink.setString("parallelism.default", String.valueOf(settings.parallelism()));
        return GeometryJob.localFlinkConfiguration(flink, checkpointDir);
    }
}
