package io.geostream.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Usage errors of {@code geostream chaos} exit with 2 before any server starts. */
class ChaosCommandTest {

    @Test
    void badArgumentsAreUsageErrors() {
        assertThat(GeostreamCli.execute("chaos", "--streams", "0")).isEqualTo(2);
        assertThat(GeostreamCli.execute("chaos", "--failures", "-1")).isEqualTo(2);
        assertThat(GeostreamCli.execute("chaos", "--width", "8")).isEqualTo(2);
        assertThat(GeostreamCli.execute("chaos", "--checkpoints", "sideways")).isEqualTo(2);
        assertThat(GeostreamCli.execute("chaos", "--faults", "meteor")).isEqualTo(2);
        assertThat(GeostreamCli.execute("chaos", "--faults", "process-kill,tm-loss-at-checkpoint")).isEqualTo(2);
        assertThat(GeostreamCli.execute("chaos", "--faults", "broker-outage", "--failures", "3")).isEqualTo(2);
        assertThat(GeostreamCli.execute("chaos", "--faults", "broker-outage", "--broker-outage", "0")).isEqualTo(2);
        assertThat(GeostreamCli.execute("chaos", "--faults", "store-outage", "--checkpoint-storage", "disk")).isEqualTo(2);
        assertThat(GeostreamCli.execute("chaos", "--checkpoint-storage", "local")).isEqualTo(2);
        assertThat(GeostreamCli.execute("chaos", "--help")).isZero();
    }
}
