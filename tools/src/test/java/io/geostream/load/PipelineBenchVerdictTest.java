package io.geostream.load;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PipelineBenchVerdictTest {

    @Test
    void aRatioAtOrAboveTheTargetPasses() {
        PipelineBenchVerdict v = PipelineBenchVerdict.of(90.0, 180.0, 0.5);
        assertThat(v.passed()).isTrue();
        assertThat(v.resultLine())
                .isEqualTo("job_fps=90.0 io_only_fps=180.0 ratio=0.500 min_ratio=0.500 result=ok reasons=none");
    }

    @Test
    void aRatioBelowTheTargetFails() {
        // session 13's run: job 84.0, I/O-only 180.0 frames per second
        PipelineBenchVerdict v = PipelineBenchVerdict.of(84.0, 180.0, 0.5);
        assertThat(v.passed()).isFalse();
        assertThat(v.reasons()).containsExactly("ratio_below_target");
        assertThat(v.resultLine()).endsWith("ratio=0.467 min_ratio=0.500 result=missed reasons=ratio_below_target");
    }

    @Test
    void aJobThatCommittedNothingFailsWhateverTheTarget() {
        assertThat(PipelineBenchVerdict.of(0, 180.0, 0).reasons()).containsExactly("job_produced_nothing");
        assertThat(PipelineBenchVerdict.of(0, 0, 0).reasons()).containsExactly("job_produced_nothing", "io_only_produced_nothing");
        assertThat(PipelineBenchVerdict.of(Double.NaN, 10, 0).passed()).isFalse();
    }
}
