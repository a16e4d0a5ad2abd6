package io.geostream.jobs;

import io.geostream.testing.RepoFiles;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The job takes its clip length from the model package when none is set, and refuses one the package cannot take. */
class GeometryJobClipLengthTest {

    private static Configuration config(Path model, Map<String, String> more) {
        Configuration c = Configuration.fromMap(Map.of("geostream.storage.kind", "local", "geostream.model", model.toString()));
        more.forEach(c::setString);
        return c;
    }

    @Test
    void aConfiguredClipLengthThePackageCannotTakeFailsTheBuild(@TempDir Path dir) throws Exception {
        Path fourX = RepoFiles.fourTimesTemporalPackage(dir);
        GeometryJob job = GeometryJob.fromConfig(config(fourX, Map.of("geostream.clip.length", "16")));
        assertThatThrownBy(() -> job.build(StreamExecutionEnvironment.getExecutionEnvironment()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("geostream.clip.length = 16 cannot feed model").hasMessageContaining("set geostream.clip.length to 17");
    }

    @Test
    void anUnsetClipLengthComesFromThePackage(@TempDir Path dir) throws Exception {
        Path fourX = RepoFiles.fourTimesTemporalPackage(dir);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        GeometryJob.fromConfig(config(fourX, Map.of())).build(env);
        assertThat(env.getStreamGraph().getJobGraph().getNumberOfVertices()).isPositive();
        // and a package that takes any length keeps the job's default clip
        StreamExecutionEnvironment env2 = StreamExecutionEnvironment.getExecutionEnvironment();
        GeometryJob.fromConfig(config(RepoFiles.model("tiny-e2e"), Map.of())).build(env2);
        assertThat(env2.getStreamGraph().getJobGraph().getNumberOfVertices()).isPositive();
    }
}
