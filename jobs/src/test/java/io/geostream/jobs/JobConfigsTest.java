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
}
