package io.geostream.jobs;

import io.geostream.operators.clip.ClipOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobConfigsTest {

    @TempDir
    Path dir;

    @Test
    void fileThenOverridesBecomeTypedOptions() throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, """
                # comment
                geostream.clip.length: 25
                geostream.clip.stride: "20"
                geostream.clip.idle-timeout: 45 s
                parallelism.default: 3
                """);
        Configuration c = JobConfigs.toConfiguration(JobConfigs.readFile(file),
                JobConfigs.parseOverrides(List.of("geostream.clip.stride=15")));
        assertThat(c.get(ClipOptions.LENGTH)).isEqualTo(25);
        assertThat(c.get(ClipOptions.STRIDE)).isEqualTo(15);
        assertThat(c.get(ClipOptions.IDLE_TIMEOUT)).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.toMap()).containsEntry("parallelism.default", "3");
    }

    @Test
    void typosAndBadLinesFailClearly() throws Exception {
        assertThatThrownBy(() -> JobConfigs.toConfiguration(Map.of("geostream.clip.lenght", "3")))
                .hasMessageContaining("unknown option geostream.clip.lenght");
        assertThatThrownBy(() -> JobConfigs.parseOverrides(List.of("novalue"))).hasMessageContaining("key=value");
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "just text\n");
        assertThatThrownBy(() -> JobConfigs.readFile(file)).hasMessageContaining("bad.yaml:1");
        assertThat(JobConfigs.knownKeys()).contains("geostream.kafka.bootstrap-servers", "geostream.model");
    }

    @Test
    void valuesTheirOptionCannotReadFailClearlyBeforeTheJobStarts() {
        assertThatThrownBy(() -> JobConfigs.toConfiguration(Map.of("geostream.stitch.state-cache", "lots")))
                .hasMessageContaining("bad value for geostream.stitch.state-cache: 'lots'");
        assertThatThrownBy(() -> JobConfigs.toConfiguration(Map.of("geostream.stitch.method", "best")))
                .hasMessageContaining("bad value for geostream.stitch.method");
        assertThatThrownBy(() -> JobConfigs.toConfiguration(Map.of("geostream.clip.length", "nine")))
                .hasMessageContaining("bad value for geostream.clip.length");
        assertThat(JobConfigs.toConfiguration(Map.of("geostream.stitch.state-cache", "1gb", "geostream.clip.length", "9"))
                .toMap()).containsEntry("geostream.clip.length", "9");
    }

    @Test
    void kafkaClientSettingsPassThroughUnderTheirPrefix() {
        Configuration c = JobConfigs.toConfiguration(Map.of(
                "geostream.kafka.properties.security.protocol", "SASL_SSL",
                "geostream.kafka.properties.sasl.mechanism", "SCRAM-SHA-512",
                "geostream.kafka.bootstrap-servers", "broker:9093"));
        var p = GeometryJob.kafkaClientProperties(c);
        assertThat(p).containsOnly(Map.entry("security.protocol", "SASL_SSL"), Map.entry("sasl.mechanism", "SCRAM-SHA-512"));
        assertThatThrownBy(() -> JobConfigs.toConfiguration(Map.of("geostream.kafka.propertie.x", "1")))
                .hasMessageContaining("unknown option");
    }

    @Test
    void nestedBlocksAreFlattenedAndCheckedLikeDottedKeys() throws Exception {
        Path file = dir.resolve("nested.yaml");
        Files.writeString(file, """
                geostream:
                  clip.length: 9
                  clip:
                    stride: 7
                  kafka:
                    properties:
                      security.protocol: SSL
                parallelism:
                  default: 2
                """);
        Configuration c = JobConfigs.toConfiguration(JobConfigs.readFile(file));
        assertThat(c.get(ClipOptions.LENGTH)).isEqualTo(9);
        assertThat(c.get(ClipOptions.STRIDE)).isEqualTo(7);
        assertThat(GeometryJob.kafkaClientProperties(c)).containsOnly(Map.entry("security.protocol", "SSL"));
        assertThat(c.toMap()).containsEntry("parallelism.default", "2").doesNotContainKeys("geostream", "clip.length");

        // A typo inside a block is a typo: before, it reached Flink as "clip.lenght" and the default length ran.
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "geostream:\n  clip:\n    lenght: 9\n");
        assertThatThrownBy(() -> JobConfigs.toConfiguration(JobConfigs.readFile(typo)))
                .hasMessageContaining("unknown option geostream.clip.lenght");
    }

    @Test
    void inlineCommentsAndQuotesAreYamlNotPartOfTheValue() throws Exception {
        Path file = dir.resolve("comments.yaml");
        Files.writeString(file, """
                geostream.clip.length: 9   # frames per clip
                geostream.clip.idle-timeout: 45 s # after the last frame
                geostream.topics.frames: 'frames#1'  # a quoted hash stays
                geostream.model: "/models/a b"
                """);
        Configuration c = JobConfigs.toConfiguration(JobConfigs.readFile(file));
        assertThat(c.get(ClipOptions.LENGTH)).isEqualTo(9);
        assertThat(c.get(ClipOptions.IDLE_TIMEOUT)).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.toMap()).containsEntry("geostream.topics.frames", "frames#1")
                .containsEntry("geostream.model", "/models/a b");
    }

    @Test
    void scalarsStayAsWrittenAndListsBecomeFlinkLists() throws Exception {
        Path file = dir.resolve("lists.yaml");
        Files.writeString(file, """
                geostream.sink.transactional-id-prefix: 007
                classloader.parent-first-patterns.additional:
                  - ai.djl.
                  - org.bytedeco.
                """);
        Map<String, String> read = JobConfigs.readFile(file);
        assertThat(read).containsEntry("geostream.sink.transactional-id-prefix", "007");
        Configuration c = JobConfigs.toConfiguration(read);
        assertThat(c.get(org.apache.flink.configuration.CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL))
                .containsExactly("ai.djl.", "org.bytedeco.");
    }

    @Test
    void yamlMistakesNameFileAndLine() throws Exception {
        Path twice = dir.resolve("twice.yaml");
        Files.writeString(twice, "geostream.clip.length: 9\ngeostream:\n  clip.length: 8\n");
        assertThatThrownBy(() -> JobConfigs.readFile(twice)).hasMessageContaining("twice.yaml:3")
                .hasMessageContaining("geostream.clip.length is given twice");
        Path empty = dir.resolve("empty-value.yaml");
        Files.writeString(empty, "geostream.clip.length:\n");
        assertThatThrownBy(() -> JobConfigs.readFile(empty)).hasMessageContaining("empty-value.yaml:1")
                .hasMessageContaining("geostream.clip.length has no value");
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "geostream.clip.length: 9\n  geostream.clip.stride: [\n");
        assertThatThrownBy(() -> JobConfigs.readFile(broken)).hasMessageContaining("broken.yaml");
        Path comments = dir.resolve("comments-only.yaml");
        Files.writeString(comments, "# nothing yet\n");
        assertThat(JobConfigs.readFile(comments)).isEmpty();
    }
}
