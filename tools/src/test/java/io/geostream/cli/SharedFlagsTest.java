package io.geostream.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The S3, Kafka and intrinsics flags are one mixin each: one spelling in every command, earlier spellings as aliases. */
class SharedFlagsTest {

    private static MapCommand map(String... args) {
        MapCommand c = new MapCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    private static ProduceCommand produce(String... args) {
        ProduceCommand c = new ProduceCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void theMapsEarlierBucketFlagIsAnAliasAndItsDefaultsStay() {
        assertThat(map("--stream", "s", "--out", "o", "--bucket", "b1").flags.s3.bucket).isEqualTo("b1");
        assertThat(map("--stream", "s", "--out", "o", "--s3-bucket", "b2").flags.s3.bucket).isEqualTo("b2");
        MapCommand defaults = map("--stream", "s", "--out", "o", "--s3-access-key", "a", "--s3-secret-key", "k");
        var config = defaults.flags.s3.config("geostream", true);
        assertThat(config.bucket()).isEqualTo("geostream");
        assertThat(config.pathStyle()).isTrue();
        assertThat(defaults.kafka.bootstrapServers).isEqualTo("localhost:9092");
    }

    @Test
    void pathStyleIsAFlagOrAnExplicitValue() {
        ProduceCommand off = produce("--source", "x", "--stream", "s", "--s3-access-key", "a", "--s3-secret-key", "k", "--s3-bucket", "bucket-b");
        assertThat(off.s3.config(null, false).pathStyle()).isFalse();
        ProduceCommand on = produce("--source", "x", "--stream", "s", "--s3-path-style", "--s3-access-key", "a", "--s3-secret-key", "k",
                "--s3-bucket", "bucket-b");
        assertThat(on.s3.config(null, false).pathStyle()).isTrue();
        ProduceCommand explicitOff = produce("--source", "x", "--stream", "s", "--s3-path-style=false");
        assertThat(explicitOff.s3.pathStyle).isFalse();
    }

    @Test
    void kafkaPropertiesReachTheMapAndTheProducerAlike() {
        assertThat(map("--stream", "s", "--out", "o", "--kafka-property", "security.protocol=SSL").kafka.properties)
                .containsEntry("security.protocol", "SSL");
        assertThat(produce("--source", "x", "--stream", "s", "--kafka-property", "security.protocol=SSL").kafkaFlags.properties)
                .containsEntry("security.protocol", "SSL");
    }

    @Test
    void aKafkaPropertiesFileReachesEveryCommandAndSingleFlagsWinOverIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path file = tmp.resolve("client.properties");
        java.nio.file.Files.writeString(file, "# as for kafka-console-consumer --consumer.config\nsecurity.protocol=SASL_SSL\n"
                + "sasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"u\" password=\"p\";\n");
        assertThat(map("--stream", "s", "--out", "o", "--kafka-properties", file.toString(), "--kafka-property", "sasl.mechanism=PLAIN")
                .kafka.clientProperties()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";");
        assertThat(produce("--source", "x", "--stream", "s", "--kafka-properties", file.toString()).kafkaFlags.clientProperties())
                .containsEntry("security.protocol", "SASL_SSL");
        assertThatThrownBy(() -> map("--stream", "s", "--out", "o", "--kafka-properties", tmp.resolve("none").toString())
                .kafka.clientProperties()).hasMessageContaining("--kafka-properties: cannot read");
        // run: the job's source and sink get them as geostream.kafka.properties.*, key=value arguments still win.
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--kafka-properties", file.toString(), "--kafka-property", "security.protocol=SSL",
                "geostream.storage.kind=local", "geostream.kafka.properties.sasl.mechanism=SCRAM-SHA-256");
        var client = io.geostream.jobs.GeometryJob.kafkaClientProperties(run.settings());
        assertThat(client).containsEntry("security.protocol", "SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                .containsKey("sasl.jaas.config");
    }

    @Test
    void intrinsicsAreAllOrNone() {
        assertThat(produce("--source", "x", "--stream", "s", "--fx", "1", "--fy", "1", "--cx", "1", "--cy", "1").k.given()).isTrue();
        assertThat(produce("--source", "x", "--stream", "s").k.given()).isFalse();
        assertThatThrownBy(() -> produce("--source", "x", "--stream", "s", "--fx", "1").k.given())
                .hasMessageContaining("give all of --fx --fy --cx --cy, or none");
    }
}
