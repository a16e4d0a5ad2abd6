package io.geostream.jobs;

import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.ingest.IngestOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeometryJobMainTest {

    @Test
    void laterLayersWinAndOnlyGeostreamKeysComeFromTheCluster(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("job.yaml");
        Files.writeString(file, "geostream.clip.length: 20\ngeostream.topics.frames: from-file\n");
        Configuration c = GeometryJobMain.configuration(
                Map.of("geostream.clip.length", "10", "geostream.clip.stride", "5", "state.backend.type", "rocksdb"),
                new String[] {"--config", file.toString(), "geostream.topics.frames=from-args"});
        assertThat(c.get(ClipOptions.LENGTH)).isEqualTo(20);
        assertThat(c.get(ClipOptions.STRIDE)).isEqualTo(5);
        assertThat(c.get(IngestOptions.INPUT_TOPIC)).isEqualTo("from-args");
        assertThat(c.toMap()).doesNotContainKey("state.backend.type");
    }

    @Test
    void typosAndMissingValuesFailBeforeTheJobStarts() {
        assertThatThrownBy(() -> GeometryJobMain.configuration(Map.of("geostream.clip.lenght", "20"), new String[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option geostream.clip.lenght");
        assertThatThrownBy(() -> GeometryJobMain.configuration(Map.of(), new String[] {"--config"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--config needs a file");
        assertThatThrownBy(() -> GeometryJobMain.configuration(Map.of(), new String[] {"geostream.clip.length"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected key=value");
    }
}
