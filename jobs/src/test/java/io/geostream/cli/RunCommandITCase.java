package io.geostream.cli;

import io.geostream.avro.GeometryFrame;
import io.geostream.demo.CommittedOutput;
import io.geostream.demo.SyntheticPublisher;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.S3Config;
import io.geostream.storage.S3ObjectStore;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.RealStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code geostream run --config FILE key=value...} against infrastructure that already exists: the real stack's
 * broker and S3 server stand in for a site's Kafka and object storage, with topic names of their own. The command
 * runs in-process on a local Flink (bounded source) and the committed output is read back as a consumer would.
 */
class RunCommandITCase {
    private static final int FRAMES = 20;

    @TempDir
    static Path tmp;
    static RealStack stack;

    @BeforeAll
    static void startExistingInfrastructure() throws Exception {
        stack = RealStack.start(tmp);
        stack.kafka().createTopics(Map.of("site.cameras", 2, "site.geometry", 2, "site.segments", 1, "site.dead", 1));
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) stack.close();
    }

    @Test
    void runsTheJobFromAConfigFileAgainstExistingKafkaAndS3() throws Exception {
        try (SyntheticPublisher pub = new SyntheticPublisher(stack.kafka().bootstrapServers(), "site.cameras")) {
            pub.publishStream("gate-1", new SceneSpec(7, 64, 48, FRAMES, TrajectoryKind.values()[0], 0.0, 10.0), true);
        }
        Path config = tmp.resolve("site.yaml");
        Files.writeString(config, String.join("\n",
                "# a site's settings",
                "geostream.kafka.bootstrap-servers: " + stack.kafka().bootstrapServers(),
                "geostream.kafka.properties.client.id: geostream-run-it",
                "geostream.kafka.group-id: run-it",
                "geostream.topics.frames: site.cameras",
                "geostream.topics.geometry: site.geometry",
                "geostream.topics.segments: site.segments",
                "geostream.topics.dead-letters: site.dead",
                "geostream.source.bounded: true",
                "geostream.sink.transactional-id-prefix: run-it",
                "geostream.storage.s3.endpoint: " + stack.s3().endpoint(),
                "geostream.storage.s3.bucket: " + RealStack.BUCKET,
                "geostream.storage.s3.path-style: true",
                // In production these two come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; a test cannot set its own environment.
                "geostream.storage.s3.access-key: " + RealStack.ACCESS_KEY,
                "geostream.storage.s3.secret-key: " + RealStack.SECRET_KEY,
                "execution.checkpointing.interval: 1 s",
                "execution.checkpointing.dir: " + tmp.resolve("checkpoints").toUri(),
                ""));

        int code = GeostreamCli.execute("run", "--config", config.toString(), "--ui-port", "0",
                "geostream.clip.length=8", "geostream.clip.stride=6", "parallelism.default=1");
        assertThat(code).isZero();

        CommittedOutput out = CommittedOutput.read(stack.kafka().bootstrapServers(), "site.geometry", "site.segments", "site.dead");
        assertThat(out.deadLetters()).isEmpty();
        assertThat(out.frames()).extracting(GeometryFrame::getFrameIndex)
                .containsExactlyInAnyOrderElementsOf(LongStream.range(0, FRAMES).boxed().toList());
        assertThat(out.frames()).extracting(GeometryFrame::getStreamId).containsOnly("gate-1");
        assertThat(CommittedOutput.readAll(stack.kafka().bootstrapServers(), "geostream.geometry")).isEmpty();
        try (ObjectStore s3 = new S3ObjectStore(new S3Config(stack.s3().endpoint().toString(), "us-east-1", RealStack.BUCKET,
                RealStack.ACCESS_KEY, RealStack.SECRET_KEY, true))) {
            assertThat(s3.list("").stream().filter(k -> k.endsWith("/points.npy")).count()).isEqualTo(FRAMES);
        }
    }
}
