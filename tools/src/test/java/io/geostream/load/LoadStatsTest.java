package io.geostream.load;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LoadStatsTest {

    @Test
    void percentilesByNearestRank() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) v[i] = 100 - i; // 100..1, unsorted on purpose
        assertThat(LoadStats.percentile(v, 50)).isEqualTo(50);
        assertThat(LoadStats.percentile(v, 99)).isEqualTo(99);
        assertThat(LoadStats.percentile(v, 100)).isEqualTo(100);
        assertThat(LoadStats.percentile(v, 0)).isEqualTo(1);
        assertThat(LoadStats.percentile(new double[] {7}, 99)).isEqualTo(7);
        assertThat(LoadStats.percentile(new double[0], 50)).isNaN();
        assertThatThrownBy(() -> LoadStats.percentile(v, 101)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(LoadStats.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(LoadStats.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    }

    @Test
    void slopeOfANoisyLineAndDegenerateInput() {
        double[] x = new double[50], y = new double[50];
        for (int i = 0; i < 50; i++) {
            x[i] = i * 0.1;
            y[i] = 12.5 * x[i] + 300 + (i % 2 == 0 ? 0.5 : -0.5); // symmetric noise leaves the slope alone
        }
        assertThat(LoadStats.slope(x, y)).isCloseTo(12.5, within(0.05));
        assertThat(LoadStats.slope(new double[] {1, 1}, new double[] {2, 3})).isNaN();
        assertThat(LoadStats.slope(new double[] {1}, new double[] {2})).isNaN();
    }

    @Test
    void theSlopesUncertaintyIsNoneOnALineAndShrinksWithLongerRuns() {
        double[] x = {0, 1, 2, 3, 4, 5};
        assertThat(LoadStats.slopeConfidence95(x, new double[] {1, 3, 5, 7, 9, 11})).isCloseTo(0, within(1e-9));
        // The same +-1 swing about the same line, over 6 and over 18 samples: the longer run pins the slope down.
        double[] noisy6 = new double[6], x18 = new double[18], noisy18 = new double[18];
        for (int i = 0; i < 18; i++) {
            x18[i] = i;
            noisy18[i] = 2 * i + (i % 2 == 0 ? 1 : -1);
            if (i < 6) noisy6[i] = noisy18[i];
        }
        double short6 = LoadStats.slopeConfidence95(x, noisy6), long18 = LoadStats.slopeConfidence95(x18, noisy18);
        assertThat(short6).isPositive();
        assertThat(long18).isPositive().isLessThan(short6 / 5);
        assertThat(LoadStats.slopeConfidence95(new double[] {0, 1}, new double[] {0, 1})).isNaN();
    }

    @Test
    void burstsOfPointsCountOnceEach() {
        // Three commits 30 s apart, each making 4 frames visible within 0.2 s.
        double[] x = {10, 10.1, 10.1, 10.2, 40, 40.05, 40.1, 40.2, 70, 70, 70.1, 70.2};
        double[] y = {1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6};
        double[][] bursts = LoadStats.burstMedians(x, y, 10);
        assertThat(bursts[0]).containsExactly(10.1, 40.075, 70.05);
        assertThat(bursts[1]).containsExactly(2.5, 3.5, 4.5);
        assertThat(LoadStats.slope(bursts[0], bursts[1])).isCloseTo(1 / 30.0, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(LoadStats.burstMedians(new double[0], new double[0], 1)[0]).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LoadStats.burstMedians(new double[] {2, 1}, new double[] {0, 0}, 5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eachBurstCanGiveAnyFigureOfItsPoints() {
        double[] x = {10, 10.1, 10.2, 40, 40.1};
        double[] y = {1, 9, 2, 5, 3};
        double[][] p99 = LoadStats.bursts(x, y, 10, v -> LoadStats.percentile(v, 99));
        assertThat(p99[0]).containsExactly(10.1, 40.05);
        assertThat(p99[1]).containsExactly(9.0, 5.0);
    }

    @Test
    void aSeriesSettlesAfterItsLastPointOverTheBound() {
        double[] t = {1, 2, 3, 4, 5, 6};
        // a start-up backlog: over the bound until t = 3, under it after (a dip under it at t = 2 does not count)
        assertThat(LoadStats.settledUnder(t, new double[] {80, 40, 70, 30, 35, 30}, 45)).isEqualTo(4.0);
        assertThat(LoadStats.settledUnder(t, new double[] {10, 20, 30, 40, 45, 30}, 45)).isEqualTo(1.0); // never over
        assertThat(LoadStats.settledUnder(t, new double[] {10, 20, 30, 40, 30, 46}, 45)).isNaN(); // over at the end
        assertThat(LoadStats.settledUnder(new double[0], new double[0], 45)).isNaN();
    }
}
