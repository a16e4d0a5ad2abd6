package io.geostream.load;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load tools run the job as production does: a soak of 64 cameras once committed nothing because its own Flink
 * configuration left checkpoints in the JobManager's memory (5 MiB per state handle) on the heap backend.
 */
class LocalFlinkConfigurationTest {

    @Test
    void theSoakRunsOnRocksDbWithFileCheckpointsInItsWorkDirectory(@TempDir Path work) {
        Soak.Settings settings = new Soak.Settings(64, 3, 1, 160, 120, 1, "simulated", "10 s", 8081, 15, 1, 20, 0, false, 1, null);
        Configuration flink = Soak.flinkConfiguration(settings, work.resolve("checkpoints"));
        assertThat(flink.getString("state.backend.type", null)).isEqualTo("rocksdb");
        assertThat(flink.getString("execution.checkpointing.incremental", null)).isEqualTo("true");
        assertThat(flink.getString("execution.checkpointing.storage", null)).isEqualTo("filesystem");
        assertThat(flink.getString("execution.checkpointing.dir", null)).isEqualTo(work.resolve("checkpoints").toUri().toString());
        assertThat(flink.getString("execution.checkpointing.interval", null)).isEqualTo("10 s");
    }

    @Test
    void overridesGoToTheJobOrToFlinkByTheirKey(@TempDir Path work) {
        Soak.Settings settings = new Soak.Settings(64, 3, 1, 160, 120, 1, "simulated", "10 s", 8081, 15, 1, 20, 0, false, 1, null,
                java.util.Map.of("geostream.stitch.state-cache", "1gb", "execution.checkpointing.min-pause", "5 s"));
        assertThat(settings.jobOverrides()).containsExactly(java.util.Map.entry("geostream.stitch.state-cache", "1gb"));
        assertThat(settings.flinkOverrides()).containsExactly(java.util.Map.entry("execution.checkpointing.min-pause", "5 s"));
        Configuration flink = Soak.flinkConfiguration(settings, work.resolve("checkpoints"));
        assertThat(flink.getString("execution.checkpointing.min-pause", null)).isEqualTo("5 s");
        assertThat(flink.getString("geostream.stitch.state-cache", null)).isNull();
    }
}
