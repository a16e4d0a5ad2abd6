package io.geostream.bench;

import io.geostream.testing.RepoFiles;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The model benchmarks' harness and both package forms through it (figures, not speed targets). */
class ModelBenchmarksTest {

    @Test
    void theTimerRunsEachBodyOncePerRoundAndReportsMedians() throws Exception {
        AtomicInteger a = new AtomicInteger();
        AtomicInteger b = new AtomicInteger();
        AlternatingTimer.Medians[] m = AlternatingTimer.time(2, 5, a::incrementAndGet, () -> {
            b.incrementAndGet();
            Thread.sleep(3);
        });
        assertThat(a.get()).isEqualTo(7);
        assertThat(b.get()).isEqualTo(7);
        assertThat(m[1].wallMs()).isGreaterThanOrEqualTo(3.0).isGreaterThan(m[0].wallMs());
        assertThat(AlternatingTimer.median(new double[] {5, 1, 3, 2})).isEqualTo(2.5);
        assertThatThrownBy(() -> AlternatingTimer.time(0, 0, a::incrementAndGet)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oddMeasuredRoundsRunTheBodiesInReverse() throws Exception {
        StringBuilder order = new StringBuilder();
        AlternatingTimer.time(1, 4, () -> order.append('a'), () -> order.append('b'));
        // One warm-up round (odd: reversed), then measured rounds 0..3: a first in rounds 0 and 2, b in 1 and 3.
        assertThat(order).hasToString("ba" + "ab" + "ba" + "ab" + "ba");
    }

    @Test
    void aDecomposedPackageIsTimedAgainstItsRawModules() throws Exception {
        DecomposedBenchmark.Result r = DecomposedBenchmark.run(RepoFiles.model("geo-nano"), 0, 1, 3);
        assertThat(r.frames()).isEqualTo(9); // the package's clipFrames
        assertThat(r.steps()).isEqualTo(1);
        assertThat(r.forwardMs()).isPositive();
        assertThat(r.engineMs()).isPositive();
        assertThat(r.engineOverForward()).isFinite().isPositive();
    }

    @Test
    void anEndToEndPackageIsTimedAgainstItsRawModule() throws Exception {
        ModelBenchmark.Result r = ModelBenchmark.run(RepoFiles.model("tiny-e2e"), 4, 1, 3);
        assertThat(r.frames()).isEqualTo(4);
        assertThat(r.forwardMs()).isPositive();
        assertThat(r.copyMs()).isPositive();
        assertThat(r.engineOverForward()).isFinite().isPositive();
    }
}
