package io.geostream.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Usage errors of {@code geostream map} exit with 2 before any connection is made. */
class MapCommandTest {
    private static final String[] BASE = {"map", "--bootstrap-servers", "127.0.0.1:1", "--out", "target/never-written"};

    private static int run(String... more) {
        return io.geostream.testing.CliRun.exitCode(BASE, more);
    }

    @Test
    void usageErrorsExitWith2() {
        assertThat(GeostreamCli.execute("map", "--stream", "cam")).isEqualTo(2); // no servers, no --out
        assertThat(run("--stream", "../escape", "--local-dir", "target")).isEqualTo(2);
        assertThat(run("--stream", "a/b", "--local-dir", "target")).isEqualTo(2);
        assertThat(run("--stream", "cam", "--voxel", "0", "--local-dir", "target")).isEqualTo(2);
        assertThat(run("--stream", "cam", "--voxel", "NaN", "--local-dir", "target")).isEqualTo(2);
        assertThat(run("--stream", "cam", "--max-voxels", "0", "--local-dir", "target")).isEqualTo(2);
        assertThat(run("--stream", "cam", "--s3-access-key", "a", "--s3-secret-key", "b", "--bucket", "Not_A_Bucket")).isEqualTo(2);
        assertThat(run("--stream", "cam", "--s3-access-key", "a", "--s3-secret-key", "b", "--s3-endpoint", "ftp://x")).isEqualTo(2);
    }

    @Test
    void helpExitsWith0() {
        assertThat(GeostreamCli.execute("map", "--help")).isZero();
    }
}
