package io.geostream.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which retained checkpoint {@code run --from-latest-checkpoint} resumes from. */
class RetainedCheckpointsTest {

    private static void checkpoint(Path jobDir, int n, long writtenMillis) throws IOException {
        Path chk = Files.createDirectories(jobDir.resolve("chk-" + n));
        Path metadata = Files.write(chk.resolve("_metadata"), new byte[] {1, 2, 3});
        Files.setLastModifiedTime(metadata, FileTime.fromMillis(writtenMillis));
    }

    @Test
    void theNewestCompleteCheckpointOfTheNewestJobWins(@TempDir Path root) throws Exception {
        Path crashed = root.resolve("a1b2c3"), resumed = root.resolve("d4e5f6");
        Files.createDirectories(crashed.resolve("shared"));
        Files.createDirectories(crashed.resolve("taskowned"));
        checkpoint(crashed, 11, 1_000_000);
        checkpoint(crashed, 12, 2_000_000);
        // In flight when the process died: no _metadata, or an empty one.
        Files.createDirectories(crashed.resolve("chk-13"));
        Files.createFile(Files.createDirectories(crashed.resolve("chk-14")).resolve("_metadata"));
        assertThat(RetainedCheckpoints.latest(root.toString())).get()
                .satisfies(c -> assertThat(c.id()).isEqualTo(12))
                .satisfies(c -> assertThat(c.directory().getPath()).endsWith("/a1b2c3/chk-12"));
        // The job resumed from chk-12 counts from 13 again under a new job id; its first complete checkpoint is newer.
        checkpoint(resumed, 13, 3_000_000);
        assertThat(RetainedCheckpoints.latest(root.toString()).orElseThrow().directory().getPath()).endsWith("/d4e5f6/chk-13");
        // A job's own directory, and a file:// URI, work too.
        assertThat(RetainedCheckpoints.latest(crashed.toString()).orElseThrow().id()).isEqualTo(12);
        assertThat(RetainedCheckpoints.latest(crashed.toUri().toString()).orElseThrow().id()).isEqualTo(12);
    }

    @Test
    void noCompleteCheckpointIsEmptyAndAMissingDirectoryAnError(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("job/chk-1"));
        assertThat(RetainedCheckpoints.latest(root.toString())).isEmpty();
        assertThatThrownBy(() -> RetainedCheckpoints.latest(root.resolve("nope").toString()))
                .isInstanceOf(IOException.class).hasMessageContaining("not found");
    }
}
