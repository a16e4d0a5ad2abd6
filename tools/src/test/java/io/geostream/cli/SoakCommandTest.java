package io.geostream.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code geostream soak} settings that are refused (exit 2) before anything starts. */
class SoakCommandTest {

    @Test
    void badSettingsAreUsageErrors() {
        assertThat(GeostreamCli.execute("soak", "--ui-port", "-1")).isEqualTo(2);
        assertThat(GeostreamCli.execute("soak", "--ui-port", "65536")).isEqualTo(2);
        assertThat(GeostreamCli.execute("soak", "--minutes", "0")).isEqualTo(2);
        assertThat(GeostreamCli.execute("soak", "--checkpoint-storage", "tape")).isEqualTo(2);
        assertThat(GeostreamCli.execute("soak", "--model", "no-such-package")).isEqualTo(2);
        assertThat(GeostreamCli.execute("soak", "-D", "geostream.no-such-option=1")).isEqualTo(2);
        assertThat(GeostreamCli.execute("soak", "-D", "no-equals-sign")).isEqualTo(2);
        assertThat(GeostreamCli.execute("soak", "-D", "geostream.stitch.state-cache=lots")).isEqualTo(2);
        assertThat(GeostreamCli.execute("soak", "-D", "geostream.model=simulated")).isEqualTo(2); // --model sets it
        assertThat(GeostreamCli.execute("soak", "-D", "execution.checkpointing.interval=5s")).isEqualTo(2);
        assertThat(GeostreamCli.execute("soak", "--help")).isZero();
    }
}
