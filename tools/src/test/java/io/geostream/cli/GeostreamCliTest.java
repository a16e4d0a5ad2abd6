package io.geostream.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Exit codes: 0 success, 1 failure, 2 usage error (no servers are started by these calls). */
class GeostreamCliTest {

    @Test
    void usageErrorsExitWith2() {
        assertThat(GeostreamCli.execute()).isEqualTo(2);
        assertThat(GeostreamCli.execute("no-such-command")).isEqualTo(2);
        assertThat(GeostreamCli.execute("demo", "--streams", "0")).isEqualTo(2);
        assertThat(GeostreamCli.execute("demo", "--frames", "many")).isEqualTo(2);
        assertThat(GeostreamCli.execute("demo", "--clip-length", "8", "--clip-stride", "8")).isEqualTo(2);
        assertThat(GeostreamCli.execute("demo", "--model", "/no/such/package")).isEqualTo(2);
        assertThat(GeostreamCli.execute("demo", "-D", "geostream.no.such=1")).isEqualTo(2);
    }

    @Test
    void helpAndVersionExitWith0() {
        assertThat(GeostreamCli.execute("--help")).isZero();
        assertThat(GeostreamCli.execute("--version")).isZero();
        assertThat(GeostreamCli.execute("demo", "--help")).isZero();
    }
}
