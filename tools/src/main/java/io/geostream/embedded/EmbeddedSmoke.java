package io.geostream.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Command-line check of the embedded runtime: starts Kafka and S3 on free ports, creates a topic and a
 * bucket, prints their addresses and start-up times, and stops both. Exit status 0 means both servers
 * came up on this class path (run it as the launcher does:
 * {@code java -cp 'jobs/target/geostream-jobs.jar:jobs/target/lib/*' io.geostream.embedded.EmbeddedSmoke}).
 */
public final class EmbeddedSmoke {
    private EmbeddedSmoke() {
    }

    public static void main(String[] args) throws Exception {
        Path s3Dir = Files.createTempDirectory("geostream-s3-smoke-");
        long t0 = System.nanoTime();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults())) {
            long kafkaMs = (System.nanoTime() - t0) / 1_000_000;
            long t1 = System.nanoTime();
            try (EmbeddedS3 s3 = EmbeddedS3.start(s3Dir, 0, "smoke-access", "smoke-secret")) {
                long s3Ms = (System.nanoTime() - t1) / 1_000_000;
                kafka.createTopics(Map.of("smoke", 1));
                s3.createBucket("smoke");
                System.out.println("kafka " + kafka.bootstrapServers() + " (started in " + kafkaMs + " ms)");
                System.out.println("s3    " + s3.endpoint() + " (started in " + s3Ms + " ms, data " + s3Dir + ")");
            }
        } finally {
            try (var files = Files.walk(s3Dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.println("stopped; total " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }
}
