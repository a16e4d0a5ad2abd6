package io.geostream.testing;

import io.geostream.embedded.EmbeddedKafka;
import io.geostream.embedded.EmbeddedS3;
import io.geostream.jobs.GeometryJobOptions;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.operators.sink.StorageOptions;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real servers the ITCases run the job against: an in-process KRaft broker and an s3proxy S3 API
 * server with the job's bucket. One per test class, through {@link PerClass}:
 * {@code @RegisterExtension static final RealStack.PerClass SERVERS = new RealStack.PerClass();}
 */
public final class RealStack implements AutoCloseable {
    public static final String ACCESS_KEY = "it-access";
    public static final String SECRET_KEY = "it-secret-key";
    public static final String BUCKET = "geostream";

    private final EmbeddedKafka kafka;
    private final EmbeddedS3 s3;

    private RealStack(EmbeddedKafka kafka, EmbeddedS3 s3) {
        this.kafka = kafka;
        this.s3 = s3;
    }

    /** Starts both servers with their data under {@code dir}. */
    public static RealStack start(Path dir) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().dataDir(dir.resolve("kafka")));
        try {
            EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0, ACCESS_KEY, SECRET_KEY);
            s3.createBucket(BUCKET);
            return new RealStack(kafka, s3);
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedS3 s3() {
        return s3;
    }

    /**
     * A bounded job configuration against these servers: short clips (T = 8, S = 6) for small test
     * streams, payloads in the S3 bucket, and the given transactional id prefix.
     */
    public Configuration jobConfig(String transactionalIdPrefix) {
        Configuration conf = new Configuration();
        conf.set(GeometryJobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(IngestOptions.BOUNDED, true);
        conf.set(ClipOptions.LENGTH, 8);
        conf.set(ClipOptions.STRIDE, 6);
        conf.set(StorageOptions.S3_ENDPOINT, s3.endpoint().toString());
        conf.set(StorageOptions.S3_ACCESS_KEY, ACCESS_KEY);
        conf.set(StorageOptions.S3_SECRET_KEY, SECRET_KEY);
        conf.set(SinkOptions.TRANSACTIONAL_ID_PREFIX, transactionalIdPrefix);
        return conf;
    }

    /** Creates the job's input and output topics named in {@code conf}. */
    public void createJobTopics(Configuration conf) {
        kafka.createTopics(Map.of(conf.get(IngestOptions.INPUT_TOPIC), 2, conf.get(SinkOptions.GEOMETRY_TOPIC), 2,
                conf.get(SinkOptions.SEGMENTS_TOPIC), 1, conf.get(SinkOptions.DEAD_LETTER_TOPIC), 1, conf.get(SinkOptions.CORRECTIONS_TOPIC), 1),
                EmbeddedKafka.compacted(conf.get(SinkOptions.CORRECTIONS_TOPIC)));
    }

    @Override
    public void close() throws Exception {
        try {
            s3.close();
        } finally {
            kafka.close();
        }
    }

    /**
     * A JUnit 5 extension that starts one {@link RealStack} before a test class's first test and closes it
     * after its last, with a scratch directory for the servers' data and the test's own files.
     */
    public static final class PerClass implements BeforeAllCallback, AfterAllCallback {
        private Path dir;
        private RealStack stack;

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            dir = Files.createTempDirectory("geostream-it-");
            stack = RealStack.start(dir.resolve("servers"));
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            try {
                if (stack != null) stack.close();
            } finally {
                stack = null;
                deleteRecursively(dir);
            }
        }

        public RealStack stack() {
            if (stack == null) throw new IllegalStateException("the real stack runs only inside its test class");
            return stack;
        }

        public EmbeddedKafka kafka() { return stack().kafka(); }

        public EmbeddedS3 s3() { return stack().s3(); }

        /** The class's scratch directory (deleted after its last test). */
        public Path dir() { return dir; }

        private static void deleteRecursively(Path root) throws IOException {
            if (root == null || !Files.exists(root)) return;
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
