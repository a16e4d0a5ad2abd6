package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NearestPointGridTest {

    /** Points on a plane, in a cube and a few far outliers, as a fused map holds them. */
    private static float[] cloud(Random rnd, int n) {
        float[] xyz = new float[3 * n];
        for (int i = 0; i < n; i++) {
            boolean floor = i % 2 == 0, outlier = i % 97 == 0;
            double s = outlier ? 50 : 2;
            xyz[3 * i] = (float) (s * (rnd.nextDouble() - 0.5));
            xyz[3 * i + 1] = (float) (s * (rnd.nextDouble() - 0.5));
            xyz[3 * i + 2] = floor && !outlier ? -1f : (float) (s * (rnd.nextDouble() - 0.5));
        }
        return xyz;
    }

    private static double bruteForce(float[] xyz, double x, double y, double z) {
        double best = Double.POSITIVE_INFINITY;
        for (int p = 0; p < xyz.length / 3; p++) {
            double dx = xyz[3 * p] - x, dy = xyz[3 * p + 1] - y, dz = xyz[3 * p + 2] - z;
            best = Math.min(best, dx * dx + dy * dy + dz * dz);
        }
        return Math.sqrt(best);
    }

    @Test
    void findsTheSameNearestDistanceAsABruteForceSearchWhateverTheCellSize() {
        Random rnd = new Random(3);
        float[] points = cloud(rnd, 3000);
        for (double cell : new double[] {0.01, 0.1, 0.7, 10}) {
            NearestPointGrid grid = new NearestPointGrid(points, cell);
            assertThat(grid.size()).isEqualTo(3000);
            for (int q = 0; q < 400; q++) {
                // Near the cloud, inside it, and far outside it (more cells than points: the scan).
                double s = q % 10 == 0 ? 400 : 3;
                double x = s * (rnd.nextDouble() - 0.5), y = s * (rnd.nextDouble() - 0.5), z = s * (rnd.nextDouble() - 0.5);
                assertThat(grid.nearestDistance(x, y, z)).as("cell %s query %d", cell, q).isEqualTo(bruteForce(points, x, y, z));
            }
            // A point held is its own nearest point.
            assertThat(grid.nearestDistance(points[30], points[31], points[32])).isZero();
        }
    }

    @Test
    void leavesOutNonFinitePointsAndAnswersNaNWhenEmpty() {
        NearestPointGrid grid = new NearestPointGrid(new float[] {Float.NaN, 0, 0, 1, 2, 3}, 0.5);
        assertThat(grid.size()).isEqualTo(1);
        assertThat(grid.nearestDistance(1, 2, 4)).isEqualTo(1.0);
        assertThat(grid.nearestDistance(Double.NaN, 0, 0)).isNaN();
        assertThat(new NearestPointGrid(new float[0], 1).nearestDistance(0, 0, 0)).isNaN();
        assertThatThrownBy(() -> new NearestPointGrid(new float[3], 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NearestPointGrid(new float[] {1e9f, 0, 0}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2^20");
    }
}
