package io.geostream.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code geostream bench pipeline} settings that are refused (exit 2) before anything starts. */
class BenchCommandTest {

    @Test
    void badPipelineSettingsAreUsageErrors() {
        assertThat(GeostreamCli.execute("bench", "pipeline", "--runs", "0")).isEqualTo(2);
        assertThat(GeostreamCli.execute("bench", "pipeline", "--state-backend", "memory")).isEqualTo(2);
        assertThat(GeostreamCli.execute("bench", "pipeline", "-D", "geostream.no-such-option=1")).isEqualTo(2);
        assertThat(GeostreamCli.execute("bench", "pipeline", "-D", "no-equals-sign")).isEqualTo(2);
        assertThat(GeostreamCli.execute("bench", "pipeline", "-D", "geostream.stitch.state-cache=lots")).isEqualTo(2);
        // What a flag sets is set there, so that the printed settings say what ran.
        assertThat(GeostreamCli.execute("bench", "pipeline", "-D", "execution.checkpointing.interval=5s")).isEqualTo(2);
        assertThat(GeostreamCli.execute("bench", "pipeline", "-D", "state.backend.type=hashmap")).isEqualTo(2);
        assertThat(GeostreamCli.execute("bench", "pipeline", "--help")).isZero();
    }
}
