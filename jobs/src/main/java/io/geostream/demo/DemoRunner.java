package io.geostream.demo;

import io.geostream.avro.GeometryFrame;
import io.geostream.embedded.EmbeddedKafka;
import io.geostream.embedded.EmbeddedS3;
import io.geostream.inference.ModelSpec;
import io.geostream.jobs.GeometryJob;
import io.geostream.jobs.GeometryJobOptions;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.S3ObjectStore;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

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

/**
 * The embedded default: a real KRaft broker and a real S3 API server in this JVM, Flink locally with
 * its web dashboard, synthetic cameras published to Kafka, the job run until every stream has ended,
 * and the committed output read back, summarised and copied under the output directory.
 */
public final class DemoRunner {

    /** What to run. */
    public record Settings(int streams, int frames, int width, int height, Path outDir, String model, int uiPort,
                           int parallelism, int clipLength, int clipStride, boolean giveIntrinsics, boolean keepRunning,
                           long seed, Configuration jobOptions) {}

    private final Settings settings;
    private final PrintWriter log;

    public DemoRunner(Settings settings, PrintWriter log) {
        this.settings = settings;
        this.log = log;
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
            conf.set(GeometryJobOptions.BOUNDED, true);
            conf.set(GeometryJobOptions.MODEL, settings.model());
            conf.set(GeometryJobOptions.CLIP_LENGTH, settings.clipLength());
            conf.set(GeometryJobOptions.CLIP_STRIDE, settings.clipStride());
            if (!conf.contains(GeometryJobOptions.STITCH_METHOD) && !conf.contains(GeometryJobOptions.CLIP_KEYFRAMES)
                    && settings.clipLength() - 1 - settings.clipStride() >= 1) {
                // The best method of `eval stitching` by default: clips carry the segment's keyframe and the
                // stitcher fits to it (a --config / -D choice of either option wins).
                conf.set(GeometryJobOptions.STITCH_METHOD, "robust_keyframes");
                conf.set(GeometryJobOptions.CLIP_KEYFRAMES, 1);
            }
            conf.set(GeometryJobOptions.STORAGE, "s3");
            conf.set(GeometryJobOptions.S3_ENDPOINT, s3.endpoint().toString());
            conf.set(GeometryJobOptions.S3_BUCKET, bucket);
            conf.set(GeometryJobOptions.S3_ACCESS_KEY, accessKey);
            conf.set(GeometryJobOptions.S3_SECRET_KEY, secretKey);
            conf.set(GeometryJobOptions.TRANSACTIONAL_ID_PREFIX, "geostream-demo-" + hex(4));
            kafka.createTopics(Map.of(conf.get(GeometryJobOptions.INPUT_TOPIC), 2, conf.get(GeometryJobOptions.GEOMETRY_TOPIC), 2,
                    conf.get(GeometryJobOptions.SEGMENTS_TOPIC), 1, conf.get(GeometryJobOptions.DEAD_LETTER_TOPIC), 1));

            Map<String, Long> published = new LinkedHashMap<>();
            Map<String, SceneSpec> specs = new LinkedHashMap<>();
            try (SyntheticPublisher pub = new SyntheticPublisher(kafka.bootstrapServers(), conf.get(GeometryJobOptions.INPUT_TOPIC))) {
                TrajectoryKind[] kinds = TrajectoryKind.values();
                for (int i = 0; i < settings.streams(); i++) {
                    specs.put("cam-" + i, new SceneSpec(settings.seed() + i, settings.width(), settings.height(), settings.frames(),
                            kinds[i % kinds.length], 0.0, 10.0));
                }
                pub.publishStreams(specs, settings.giveIntrinsics()).forEach((id, n) -> published.put(id, (long) n));
            }
            log.printf("published %d synthetic stream(s) x %d frames at %dx%d%n", settings.streams(), settings.frames(),
                    settings.width(), settings.height());
            log.flush();

            Configuration flink = new Configuration();
            flink.set(RestOptions.PORT, settings.uiPort());
            flink.setString("execution.checkpointing.interval", "1 s");
            flink.setString("pipeline.object-reuse", "true");
            flink.setString("parallelism.default", String.valueOf(settings.parallelism()));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            env.setParallelism(settings.parallelism());
            GeometryJob.fromConfig(conf).build(env);
            log.println("Flink dashboard: http://localhost:" + settings.uiPort() + "/  (running the job on " + settings.model() + ")");
            env.execute("geostream-demo");

            CommittedOutput result = CommittedOutput.read(kafka.bootstrapServers(), conf.get(GeometryJobOptions.GEOMETRY_TOPIC),
                    conf.get(GeometryJobOptions.SEGMENTS_TOPIC), conf.get(GeometryJobOptions.DEAD_LETTER_TOPIC));
            writeAvroFile(result.frames(), out.resolve("geometry-frames.avro"));
            try (ObjectStore store = GeometryJob.storageSpec(conf).open()) {
                mirror(store, out.resolve("objects"));
            }
            double wall = (System.nanoTime() - start) / 1e9;
            RunSummary summary = RunSummary.of(published, specs, 0, result, wall, settings.model());
            Files.writeString(out.resolve("summary.json"), summary.toJson(), StandardCharsets.UTF_8);
            log.print(summary.toHuman(ModelSpec.SIMULATED.equals(settings.model())));
            log.flush();
            log.println("wrote " + out.resolve("summary.json") + ", geometry-frames.avro and objects/");
            if (settings.keepRunning()) {
                log.println("--keep-running: Kafka " + kafka.bootstrapServers() + ", S3 " + s3.endpoint() + " bucket " + bucket
                        + " (access key " + accessKey + ", secret in this process only). Ctrl-C to stop.");
                Thread.currentThread().join();
            }
            return summary;
        } finally {
            deleteRecursively(work);
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

    private static void deleteRecursively(Path p) {
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp directory
        }
    }
}
