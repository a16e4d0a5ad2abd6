package io.geostream.cli;

import io.geostream.testing.RepoFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

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
        Object[] r = run("demo", "--source", "clip.mp4", "--model", "simulated");
        assertThat(r[0]).isEqualTo(2);
        assertThat((String) r[1]).contains("--source needs --model <package dir>", "a real video has no truth");
    }

    @Test
    void aRealVideoRunsThroughTheLearnedPackageUnlessTheModelIsGiven() {
        assertThat(DemoCommand.defaultModel(null)).isEqualTo("simulated");
        String home = System.getProperty("geostream.home");
        try {
            System.setProperty("geostream.home", "/opt/geostream");
            assertThat(DemoCommand.defaultModel("clip.mp4")).isEqualTo("/opt/geostream/models/geo-nano");
        } finally {
            if (home == null) System.clearProperty("geostream.home"); else System.setProperty("geostream.home", home);
        }
        assertThat(java.nio.file.Files.isRegularFile(io.geostream.testing.RepoFiles.root().resolve("models/geo-nano/model.json")))
                .as("the learned package is committed").isTrue();
    }

    @Test
    void videoOnlyOptionsNeedASource() {
        Object[] r = run("demo", "--max-frames", "10");
        assertThat(r[0]).isEqualTo(2);
        assertThat((String) r[1]).contains("apply to --source only");
    }

    @Test
    void aClipLengthTheModelPackageCannotTakeIsAUsageError(@TempDir Path dir) throws Exception {
        String fourX = RepoFiles.fourTimesTemporalPackage(dir).toString();
        Object[] r = run("demo", "--model", fourX, "--clip-length", "16");
        assertThat(r[0]).isEqualTo(2);
        assertThat((String) r[1]).contains("geostream.clip.length = 16 cannot feed model", "1 + 4k frames",
                "set geostream.clip.length to 17");
        assertThat(run("demo", "--model", fourX, "-D", "geostream.clip.length=12")[0]).isEqualTo(2);
    }
}
