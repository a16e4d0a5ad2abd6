package io.geostream.jobs;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FlinkDefaultsTest {

    @Test
    void rocksDbWithIncrementalCheckpointsUnlessTheClusterSaysOtherwise() {
        Configuration none = GeometryJob.withFlinkDefaults(new Configuration());
        assertThat(none.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(none.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(none.get(org.apache.flink.configuration.ExecutionOptions.BUFFER_TIMEOUT)).isEqualTo(java.time.Duration.ofMillis(10));

        Configuration cluster = Configuration.fromMap(Map.of("state.backend.type", "hashmap", "parallelism.default", "3"));
        Configuration c = GeometryJob.withFlinkDefaults(cluster);
        assertThat(c.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("hashmap");
        assertThat(c.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(c.toMap()).containsEntry("parallelism.default", "3");
        Map<String, String> missing = new java.util.HashMap<>(GeometryJob.FLINK_DEFAULTS);
        missing.remove("state.backend.type");
        assertThat(GeometryJob.flinkDefaultsMissingFrom(cluster).toMap()).isEqualTo(missing)
                .containsEntry("execution.checkpointing.incremental", "true")
                .containsAllEntriesOf(GeometryJob.FAILURE_POLICY);
        assertThat(none.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)).isEqualTo(2);
    }

    @Test
    void aSettingUnderItsDeprecatedKeyIsTheClustersToo() {
        Configuration cluster = Configuration.fromMap(Map.of("execution.buffer-timeout", "50 ms"));
        assertThat(GeometryJob.flinkDefaultsMissingFrom(cluster).toMap()).doesNotContainKey("execution.buffer-timeout.interval")
                .containsKey("state.backend.type");
        assertThat(GeometryJob.withFlinkDefaults(cluster).get(org.apache.flink.configuration.ExecutionOptions.BUFFER_TIMEOUT))
                .isEqualTo(java.time.Duration.ofMillis(50));
    }
}
