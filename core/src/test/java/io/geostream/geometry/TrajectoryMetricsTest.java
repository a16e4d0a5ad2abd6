package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TrajectoryMetricsTest {
    private static final int N = 40;
    private static final double RADIUS = 2;

    private static double[][] circle() {
        double[][] p = new double[N][];
        for (int i = 0; i < N; i++) {
            double a = 2 * Math.PI * i / N;
            p[i] = new double[] {RADIUS * Math.cos(a), RADIUS * Math.sin(a), 0};
        }
        return p;
    }

    @Test
    void aSimilarityTransformedTrajectoryHasZeroError() {
        double[][] truth = circle();
        Sim3 sim = GeometryTestData.randomSim3(new Random(40));
        double[][] estimate = new double[N][];
        for (int i = 0; i < N; i++) estimate[i] = sim.apply(truth[i]);
        TrajectoryMetrics.AteResult ate = TrajectoryMetrics.ate(estimate, truth);
        assertThat(ate.rmse()).isLessThan(1e-9);
        assertThat(ate.alignment().scale()).isCloseTo(1 / sim.scale(), within(1e-9));
        assertThat(ate.pathLength()).isCloseTo((N - 1) * 2 * RADIUS * Math.sin(Math.PI / N), within(1e-12));
    }

    @Test
    void anOutOfPlaneZigZagGivesTheKnownError() {
        // Alternating +-eps off the plane is uncorrelated with the circle, so the best alignment is a
        // pure shrink s = r^2 / (r^2 + eps^2), leaving rmse = eps r / sqrt(r^2 + eps^2).
        double eps = 0.05;
        double[][] truth = circle();
        Sim3 sim = GeometryTestData.randomSim3(new Random(41));
        double[][] estimate = new double[N][];
        for (int i = 0; i < N; i++) {
            double[] p = truth[i].clone();
            p[2] += (i % 2 == 0 ? eps : -eps);
            estimate[i] = sim.apply(p);
        }
        TrajectoryMetrics.AteResult ate = TrajectoryMetrics.ate(estimate, truth);
        double expected = eps * RADIUS / Math.sqrt(RADIUS * RADIUS + eps * eps);
        assertThat(ate.rmse()).isCloseTo(expected, within(1e-9));
        assertThat(ate.rmseOverPathLength()).isCloseTo(expected / ate.pathLength(), within(1e-12));
    }

    @Test
    void acceptsAStraightWalkButNotAStandingCamera() {
        double[][] line = new double[10][];
        double[][] scaled = new double[10][];
        for (int i = 0; i < 10; i++) {
            line[i] = new double[] {i * 0.1, 0, 0};
            scaled[i] = new double[] {0, i * 0.3, 1};
        }
        assertThat(TrajectoryMetrics.ate(scaled, line).rmse()).isLessThan(1e-9);
        double[][] still = new double[10][];
        for (int i = 0; i < 10; i++) still[i] = new double[] {1, 1, 1};
        assertThatThrownBy(() -> TrajectoryMetrics.ate(still, line)).isInstanceOf(IllegalArgumentException.class);
    }
}
