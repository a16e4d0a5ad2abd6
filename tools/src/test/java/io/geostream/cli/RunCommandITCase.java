package io.geostream.cli;

import io.geostream.avro.GeometryFrame;
import io.geostream.demo.CommittedOutput;
import io.geostream.demo.SyntheticPublisher;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.S3Settings;
import io.geostream.storage.S3ObjectStore;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.RealStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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

    @RegisterExtension
    static final RealStack.PerClass SERVERS = new RealStack.PerClass();

    @BeforeAll
    static void startExistingInfrastructure() throws Exception {
        SERVERS.kafka().createTopics(Map.of("site.cameras", 2, "site.geometry", 2, "site.segments", 1, "site.dead", 1));
    }

    /** A site's settings file: the real stack's addresses, topics of its own, a bounded source. */
    private static Path siteConfig(String name, String frames, String geometry, String segments, String dead) throws Exception {
        Path config = SERVERS.dir().resolve(name + ".yaml");
        Files.writeString(config, String.join("\n",
                "# a site's settings",
                "geostream.kafka.bootstrap-servers: " + SERVERS.kafka().bootstrapServers(),
                "geostream.kafka.properties.client.id: geostream-" + name,
                "geostream.kafka.group-id: " + name,
                "geostream.topics.frames: " + frames,
                "geostream.topics.geometry: " + geometry,
                "geostream.topics.segments: " + segments,
                "geostream.topics.dead-letters: " + dead,
                "geostream.source.bounded: true",
                "geostream.sink.transactional-id-prefix: " + name,
                "geostream.storage.s3.endpoint: " + SERVERS.s3().endpoint(),
                "geostream.storage.s3.bucket: " + RealStack.BUCKET,
                "geostream.storage.s3.path-style: true",
                // In production these two come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; a test cannot set its own environment.
                "geostream.storage.s3.access-key: " + RealStack.ACCESS_KEY,
                "geostream.storage.s3.secret-key: " + RealStack.SECRET_KEY,
                "execution.checkpointing.interval: 1 s",
                "execution.checkpointing.dir: " + SERVERS.dir().resolve(name + "-checkpoints").toUri(),
                ""));
        return config;
    }

    /**
     * {@code --remote}: submitted with the slim job jar (target/geostream-job-slim.jar, built by package) to a running
     * Flink cluster's REST endpoint: here a MiniCluster in this JVM (parent-first class loading), so only the
     * submission path is real, not a cluster's lib/ (SlimJarITCase checks the jar against that).
     */
    @Test
    void submitsToARunningClusterWithTheSlimJar() throws Exception {
        SERVERS.kafka().createTopics(Map.of("remote.cameras", 1, "remote.geometry", 1, "remote.segments", 1, "remote.dead", 1));
        try (SyntheticPublisher pub = new SyntheticPublisher(SERVERS.kafka().bootstrapServers(), "remote.cameras")) {
            pub.publishStream("dock-2", new SceneSpec(8, 64, 48, FRAMES, TrajectoryKind.values()[1], 0.0, 10.0), true);
        }
        Path config = siteConfig("remote", "remote.cameras", "remote.geometry", "remote.segments", "remote.dead");
        org.apache.flink.configuration.Configuration cluster = new org.apache.flink.configuration.Configuration();
        cluster.set(org.apache.flink.configuration.RestOptions.PORT, 0);
        // This JVM's class path already holds Kafka (the embedded broker runs here): child-first loading of the jar's
        // Kafka client would clash with it (loader constraint). A real cluster's lib/ has no Kafka.
        cluster.setString("classloader.resolve-order", "parent-first");
        try (org.apache.flink.runtime.minicluster.MiniCluster flink = new org.apache.flink.runtime.minicluster.MiniCluster(
                new org.apache.flink.runtime.minicluster.MiniClusterConfiguration.Builder().setConfiguration(cluster)
                        .setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build())) {
            flink.start();
            java.net.URI rest = flink.getRestAddress().get();
            int code = GeostreamCli.execute("run", "--config", config.toString(), "--remote", rest.getHost() + ":" + rest.getPort(),
                    "--jar", io.geostream.testing.RepoFiles.root().resolve("jobs/target/geostream-job-slim.jar").toString(),
                    "geostream.clip.length=8", "geostream.clip.stride=6", "parallelism.default=1");
            assertThat(code).isZero();
        }
        CommittedOutput out = CommittedOutput.read(SERVERS.kafka().bootstrapServers(), "remote.geometry", "remote.segments", "remote.dead");
        assertThat(out.deadLetters()).isEmpty();
        assertThat(out.frames()).extracting(GeometryFrame::getFrameIndex)
                .containsExactlyInAnyOrderElementsOf(LongStream.range(0, FRAMES).boxed().toList());
    }

    @Test
    void runsTheJobFromAConfigFileAgainstExistingKafkaAndS3() throws Exception {
        try (SyntheticPublisher pub = new SyntheticPublisher(SERVERS.kafka().bootstrapServers(), "site.cameras")) {
            pub.publishStream("gate-1", new SceneSpec(7, 64, 48, FRAMES, TrajectoryKind.values()[0], 0.0, 10.0), true);
        }
        Path config = siteConfig("site", "site.cameras", "site.geometry", "site.segments", "site.dead");
        int code = GeostreamCli.execute("run", "--config", config.toString(), "--ui-port", "0",
                "geostream.clip.length=8", "geostream.clip.stride=6", "parallelism.default=1");
        assertThat(code).isZero();

        CommittedOutput out = CommittedOutput.read(SERVERS.kafka().bootstrapServers(), "site.geometry", "site.segments", "site.dead");
        assertThat(out.deadLetters()).isEmpty();
        assertThat(out.frames()).extracting(GeometryFrame::getFrameIndex)
                .containsExactlyInAnyOrderElementsOf(LongStream.range(0, FRAMES).boxed().toList());
        assertThat(out.frames()).extracting(GeometryFrame::getStreamId).containsOnly("gate-1");
        assertThat(CommittedOutput.readAll(SERVERS.kafka().bootstrapServers(), "geostream.geometry")).isEmpty();
        try (ObjectStore store = new S3ObjectStore(new S3Settings(SERVERS.s3().endpoint().toString(), "us-east-1", RealStack.BUCKET,
                RealStack.ACCESS_KEY, RealStack.SECRET_KEY, true))) {
            assertThat(store.list("").stream().filter(k -> k.contains("/gate-1/") && k.endsWith("/points.npy")).count()).isEqualTo(FRAMES);
        }
    }
}
