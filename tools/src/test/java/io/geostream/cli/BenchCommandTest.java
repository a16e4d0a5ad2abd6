package io.geostream.cli;

import io.geostream.jobs.GeometryJobOptions;
import io.geostream.load.PipelineBench;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.operators.sink.StorageOptions;
import io.geostream.operators.stitch.StitchOptions;
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
        assertThat(GeostreamCli.execute("bench", "pipeline", "-D", "geostream.clip.stride=8")).isEqualTo(2);
        assertThat(GeostreamCli.execute("bench", "pipeline", "--help")).isZero();
    }

    @Test
    void whatTheBenchSetsItselfIsRefusedWithItsReasonAndTheRestPasses() {
        assertThat(PipelineBench.refusal(ClipOptions.LENGTH.key())).contains("computed before the jobs start");
        assertThat(PipelineBench.refusal(ClipOptions.STRIDE.key())).contains("computed before the jobs start");
        for (String key : java.util.List.of(StorageOptions.S3_ENDPOINT.key(), SinkOptions.TRANSACTIONAL_ID_PREFIX.key(),
                IngestOptions.INPUT_TOPIC.key(), GeometryJobOptions.BOOTSTRAP_SERVERS.key())) {
            assertThat(PipelineBench.refusal(key)).as(key).contains("embedded broker and S3 server");
        }
        assertThat(PipelineBench.refusal("execution.checkpointing.interval")).contains("--checkpoint-interval");
        assertThat(PipelineBench.refusal("pipeline.object-reuse")).isNotNull();
        assertThat(PipelineBench.refusal("state.backend.rocksdb.compression.per.level")).isNull();
        assertThat(PipelineBench.refusal(StitchOptions.STATE_CACHE.key())).isNull();
    }
}
