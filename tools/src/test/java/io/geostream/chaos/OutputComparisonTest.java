package io.geostream.chaos;

import io.geostream.avro.KeyframeCorrection;
import io.geostream.avro.SegmentCorrection;
import io.geostream.demo.CommittedOutput;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The loop corrections' part of the chaos comparison (frames: ExactlyOnceITCase). */
class OutputComparisonTest {

    private static SegmentCorrection correction(long segment, int version, double scale) {
        return SegmentCorrection.newBuilder().setStreamId("cam-0").setSegmentId(segment).setSegmentStartMicros(1_000L)
                .setVersion(version).setLoopNewFrameIndex(700).setLoopOldFrameIndex(8).setLoopInliers(40)
                .setLoopCaptureTimeMicros(2_000L).setKeyframes(List.of(KeyframeCorrection.newBuilder().setFrameIndex(0)
                        .setScale(scale).setQx(0).setQy(0).setQz(0).setQw(1).setTx(0).setTy(0).setTz(0).build()))
                .build();
    }

    private static CommittedOutput output(SegmentCorrection... corrections) {
        return new CommittedOutput(List.of(), List.of(), List.of(), List.of(corrections));
    }

    @Test
    void correctionsCountAsLostDuplicatedOrMismatched() throws Exception {
        CommittedOutput want = output(correction(0, 1, 1.1), correction(0, 2, 1.2), correction(1, 1, 0.9));
        assertThat(OutputComparison.compare(want, null, want, null).summaryLine()).isEqualTo("lost=0 duplicated=0 mismatched=0");

        CommittedOutput got = output(correction(0, 1, 1.1), correction(0, 1, 1.1), correction(0, 2, 1.25), correction(2, 1, 1.0));
        OutputComparison c = OutputComparison.compare(want, null, got, null);
        assertThat(c.lost()).containsExactly("cam-0/1000/1 v1");
        assertThat(c.duplicated()).containsExactly("cam-0/1000/0 v1 x2");
        assertThat(c.mismatched()).containsExactly("cam-0/1000/0 v2 (correction)", "cam-0/1000/2 v1 (correction not in the reference)");
        assertThat(c.exactlyOnce()).isFalse();
    }
}
