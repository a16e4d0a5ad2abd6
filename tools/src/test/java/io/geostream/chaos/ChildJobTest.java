package io.geostream.chaos;

import io.geostream.jobs.JobConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ChildJobTest {

    @Test
    void theChildsSettingsGoToAFileOnlyItsOwnerReadsAndReadBackAsGiven(@TempDir Path dir) throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("geostream.storage.s3.secret-key", "s3cr:et #1 'quoted'");
        settings.put("execution.checkpointing.dir", "s3://bucket/flink/checkpoints");
        settings.put("geostream.clip.length", "008");
        settings.put("pipeline.global-job-parameters", "[a, 'b;c']");
        Path file = ChildJob.writeSettings(settings, dir.resolve("job.log.settings.yaml"));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(JobConfigs.readFile(file)).containsExactlyInAnyOrderEntriesOf(settings);
        // Written again (a resumed child): replaced, not appended to.
        settings.put("geostream.clip.length", "12");
        ChildJob.writeSettings(settings, file);
        assertThat(JobConfigs.readFile(file)).containsEntry("geostream.clip.length", "12").hasSize(4);
    }
}
