package io.geostream.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Usage errors of {@code geostream demo} that must be refused before anything starts. */
class DemoCommandTest {

    /** Runs the CLI with stderr captured; returns {exit code, stderr}. */
    private static Object[] run(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int code = GeostreamCli.execute(args);
            return new Object[] {code, captured.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void aRealVideoWithTheSimulatedModelIsAUsageError() {
        Object[] r = run("demo", "--source", "clip.mp4");
        assertThat(r[0]).isEqualTo(2);
        assertThat((String) r[1]).contains("--source needs --model <package dir>", "a real video has no truth");
        assertThat(run("demo", "--source", "clip.mp4", "--model", "simulated")[0]).isEqualTo(2);
    }

    @Test
    void videoOnlyOptionsNeedASource() {
        Object[] r = run("demo", "--max-frames", "10");
        assertThat(r[0]).isEqualTo(2);
        assertThat((String) r[1]).contains("apply to --source only");
    }
}
