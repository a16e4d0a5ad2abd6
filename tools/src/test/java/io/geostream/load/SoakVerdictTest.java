package io.geostream.load;

import io.geostream.avro.GeometryFrame;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The soak's exit rules: each observation that must fail a soak fails it, and a clean run passes. */
class SoakVerdictTest {
    private static final int STREAMS = 4, CLIP = 15; // frames each stream may hold (T - 1 for T = 16)
    private static final long PUBLISHED = 1000;

    private static SoakVerdict.Facts clean() {
        return new SoakVerdict.Facts(0, true, 0, 0, Set.of(), PUBLISHED, STREAMS, CLIP,
                new SoakVerdict.CommittedFrames(PUBLISHED - STREAMS * (CLIP - 1), 0), 0, 2.0, 500.0, 1.0, 20);
    }

    @Test
    void aCleanShortRunPassesAndSaysItsHeapSlopeIsNotJudged() {
        SoakVerdict v = SoakVerdict.of(clean());
        assertThat(v.passed()).isTrue();
        assertThat(v.reasonsValue()).isEqualTo("none");
        assertThat(v.heapSlope()).as("500 MiB/h over 2 minutes is warm-up, not a leak").isEqualTo("too_short");
    }

    @Test
    void eachObservationFailsTheRunWithItsOwnReason() {
        SoakVerdict.Facts c = clean();
        assertThat(reasons(new SoakVerdict.Facts(1, true, 0, 0, Set.of(), PUBLISHED, STREAMS, CLIP, c.committed(), 0, 2, 0, 0, 20)))
                .containsExactly("rest_unreadable");
        assertThat(reasons(new SoakVerdict.Facts(0, false, 0, 0, Set.of(), PUBLISHED, STREAMS, CLIP, c.committed(), 0, 2, 0, 0, 20)))
                .containsExactly("job_never_ran");
        assertThat(reasons(new SoakVerdict.Facts(0, true, 1, 0, Set.of(), PUBLISHED, STREAMS, CLIP, c.committed(), 0, 2, 0, 0, 20)))
                .containsExactly("checkpoint_failed");
        assertThat(reasons(new SoakVerdict.Facts(0, true, 0, 1, Set.of(), PUBLISHED, STREAMS, CLIP, c.committed(), 0, 2, 0, 0, 20)))
                .containsExactly("job_restarted");
        assertThat(reasons(new SoakVerdict.Facts(0, true, 0, 0, Set.of("FAILED"), PUBLISHED, STREAMS, CLIP, c.committed(), 0, 2, 0, 0, 20)))
                .containsExactly("job_restarted");
        assertThat(reasons(new SoakVerdict.Facts(0, true, 0, 0, Set.of(), PUBLISHED, STREAMS, CLIP, c.committed(), 4, 2, 0, 0, 20)))
                .containsExactly("data_loss_logged");
    }

    @Test
    void aStreamHoldsItsOpenClipAndWithPerFrameStitchingOneStrideMore() {
        assertThat(SoakVerdict.framesHeld(16, 12, io.geostream.stitch.StitchMethod.ROBUST_KEYFRAMES)).isEqualTo(15);
        assertThat(SoakVerdict.framesHeld(16, 12, io.geostream.stitch.StitchMethod.PER_FRAME)).isEqualTo(27);
    }

    @Test
    void committedFramesMustCoverThePublishedOnesBarOpenClipsEachOnce() {
        long expected = PUBLISHED - STREAMS * CLIP;
        assertThat(clean().expectedAtLeast()).isEqualTo(expected);
        assertThat(reasons(withCommitted(new SoakVerdict.CommittedFrames(expected - 1, 0)))).containsExactly("frames_missing");
        assertThat(reasons(withCommitted(new SoakVerdict.CommittedFrames(PUBLISHED, 0)))).as("idle flush: open clips emitted").isEmpty();
        assertThat(reasons(withCommitted(new SoakVerdict.CommittedFrames(expected, 1)))).containsExactly("frames_committed_twice");

        SoakVerdict.CommittedFrames counted = SoakVerdict.CommittedFrames.of(List.of(frame("cam-0", 0), frame("cam-0", 1),
                frame("cam-1", 0), frame("cam-0", 1), frame("cam-0", 1)));
        assertThat(counted).isEqualTo(new SoakVerdict.CommittedFrames(3, 2));
    }

    @Test
    void theHeapSlopeIsJudgedOnlyAfterTenMinutesPastTheWarmUpAndBeyondItsUncertainty() {
        SoakVerdict steep = heap(25.0, 3.0);
        assertThat(steep.reasons()).containsExactly("heap_slope");
        assertThat(steep.heapSlope()).isEqualTo("25.0");
        assertThat(steep.heapSlopeCi95()).isEqualTo("3.0");
        assertThat(heap(3.0, 1.0).passed()).isTrue();
        // A healthy 11.5-minute soak: 22.8 +- 42.6 MiB/h, its samples swinging between 224 and 245 MiB.
        assertThat(heap(22.8, 42.6).passed()).isTrue();
        assertThat(heap(Double.NaN, Double.NaN).reasons()).containsExactly("heap_slope");
        assertThat(SoakVerdict.of(clean()).heapSlopeCi95()).isEqualTo("too_short");
    }

    @Test
    void theLatencyBoundIsClipFillTheStrideThePerFrameMethodWaitsAnIntervalTheLongestCheckpointAndTwoSeconds() {
        assertThat(SoakVerdict.latencyBoundMs(16, 12, io.geostream.stitch.StitchMethod.PER_FRAME, 1.0, 30_000, 5_000))
                .isEqualTo(28_000 + 30_000 + 5_000 + 2_000);
        assertThat(SoakVerdict.latencyBoundMs(16, 12, io.geostream.stitch.StitchMethod.ROBUST_KEYFRAMES, 4.0, 10_000, 1_000))
                .isEqualTo(4_000 + 10_000 + 1_000 + 2_000);
    }

    @Test
    void aJobThatDoesNotKeepPaceFailsEvenWhenEveryFrameArrives() {
        double bound = 65_000;
        assertThat(pace(new SoakVerdict.Pace(91_600, bound, 7, -0.2, 0.1))).containsExactly("latency_over_bound");
        assertThat(pace(new SoakVerdict.Pace(64_000, bound, 7, -0.2, 0.1))).isEmpty();
        assertThat(pace(new SoakVerdict.Pace(Double.NaN, bound, 0, Double.NaN, Double.NaN))).as("nothing after the warm-up").isEmpty();
        // Output 4 % slower than the cameras: the latency rises 2.4 s a minute.
        assertThat(pace(new SoakVerdict.Pace(30_000, bound, 7, 2.4, 0.3))).containsExactly("lag_growing");
        // Within 1 % of the cameras' rate (0.6 s a minute), or not beyond the slope's uncertainty: kept pace.
        assertThat(pace(new SoakVerdict.Pace(30_000, bound, 7, 0.5, 0.05))).isEmpty();
        assertThat(pace(new SoakVerdict.Pace(30_000, bound, 7, 2.4, 2.0))).isEmpty();
        assertThat(pace(new SoakVerdict.Pace(30_000, bound, SoakVerdict.MIN_TREND_MINUTES - 1, 2.4, 0.3))).as("too short").isEmpty();
        assertThat(pace(new SoakVerdict.Pace(91_600, bound, 7, 2.4, 0.3))).containsExactly("latency_over_bound", "lag_growing");
        assertThat(pace(SoakVerdict.Pace.notMeasured())).isEmpty();
        assertThat(pace(new SoakVerdict.Pace(30_000, bound, 7, 2.4, Double.NaN))).as("no interval: the slope alone").containsExactly("lag_growing");
        assertThat(pace(new SoakVerdict.Pace(30_000, bound, 7, Double.NaN, Double.NaN))).as("no slope").isEmpty();
    }

    private static List<String> pace(SoakVerdict.Pace p) {
        return SoakVerdict.of(clean(), p).reasons();
    }

    private static SoakVerdict heap(double slope, double ci95) {
        return SoakVerdict.of(new SoakVerdict.Facts(0, true, 0, 0, Set.of(), PUBLISHED, STREAMS, CLIP, clean().committed(), 0,
                SoakVerdict.MIN_SLOPE_MINUTES, slope, ci95, 20));
    }

    private static SoakVerdict.Facts withCommitted(SoakVerdict.CommittedFrames committed) {
        return new SoakVerdict.Facts(0, true, 0, 0, Set.of(), PUBLISHED, STREAMS, CLIP, committed, 0, 2, 0, 0, 20);
    }

    private static List<String> reasons(SoakVerdict.Facts f) {
        return SoakVerdict.of(f).reasons();
    }

    private static GeometryFrame frame(String stream, long index) {
        GeometryFrame f = new GeometryFrame();
        f.setStreamId(stream);
        f.setFrameIndex(index);
        return f;
    }
}
