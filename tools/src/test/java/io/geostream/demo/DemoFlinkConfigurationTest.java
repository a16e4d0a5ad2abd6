package io.geostream.demo;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's -D and --config: job options stay the job's, other keys reach Flink, the demo's flags win. */
class DemoFlinkConfigurationTest {

    @Test
    void flinkKeysFromTheOptionsReachFlinkAndTheFlagsWin(@TempDir Path work) {
        Configuration options = Configuration.fromMap(Map.of(
                "geostream.stitch.method", "robust",
                "execution.checkpointing.interval", "5 s",
                "rest.port", "9999",
                "parallelism.default", "7"));
        DemoRunner.Settings settings = new DemoRunner.Settings(2, 150, 160, 120, work, "simulated", 8082, 2, null, null,
                true, false, 1, options);
        Configuration flink = DemoRunner.flinkConfiguration(settings, work.resolve("checkpoints"));
        assertThat(flink.getString("execution.checkpointing.interval", null)).isEqualTo("5 s");
        assertThat(flink.getString("rest.port", null)).isEqualTo("8082");
        assertThat(flink.getString("parallelism.default", null)).isEqualTo("2");
        assertThat(flink.getString("geostream.stitch.method", null)).isNull();
        assertThat(flink.getString("state.backend.type", null)).isEqualTo("rocksdb");
    }

    @Test
    void withoutOptionsTheDemoCheckpointsEverySecond(@TempDir Path work) {
        DemoRunner.Settings settings = new DemoRunner.Settings(2, 150, 160, 120, work, "simulated", 0, 1, null, null,
                true, false, 1, new Configuration());
        assertThat(DemoRunner.flinkConfiguration(settings, work.resolve("checkpoints"))
                .getString("execution.checkpointing.interval", null)).isEqualTo("1 s");
    }
}
