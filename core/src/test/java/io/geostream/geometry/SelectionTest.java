package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Quickselect and the weighted median against sorting, on random values with and without ties. */
class SelectionTest {

    @Test
    void kthIsWhatTheSortedArrayHoldsThere() {
        Random random = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + random.nextInt(200);
            double[] values = values(random, n, trial % 3 == 0);
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            int k = random.nextInt(n);
            assertThat(Selection.kth(values.clone(), n, k)).as("trial %d", trial).isEqualTo(sorted[k]);
        }
    }

    @Test
    void kthLooksAtTheFirstNValuesOnly() {
        double[] values = {5, 1, 4, -100, -200};
        assertThat(Selection.kth(values, 3, 0)).isEqualTo(1);
        assertThat(Selection.kth(values, 3, 2)).isEqualTo(5);
        assertThatThrownBy(() -> Selection.kth(values, 3, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void weightedMedianIsWhereTheSortedWalkReachesHalfTheWeight() {
        Random random = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + random.nextInt(200);
            double[] values = values(random, n, trial % 2 == 0);
            double[] weights = new double[n];
            double total = 0;
            for (int i = 0; i < n; i++) {
                weights[i] = trial % 5 == 0 ? 1 : random.nextDouble() * random.nextDouble();
                total += weights[i];
            }
            double expected = sortedWalk(values, weights, total / 2);
            assertThat(Selection.weightedMedian(values.clone(), weights.clone(), n, total / 2)).as("trial %d", trial).isEqualTo(expected);
        }
    }

    @Test
    void oneHeavyValueIsTheWeightedMedian() {
        double[] values = {3, 1, 2, 10, 0};
        double[] weights = {1, 1, 1, 100, 1};
        assertThat(Selection.weightedMedian(values, weights, 5, 52)).isEqualTo(10);
    }

    /** The reference: sort (value, weight) pairs, add weights until the sum reaches {@code half}. */
    private static double sortedWalk(double[] values, double[] weights, double half) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        double acc = 0;
        for (int i : order) {
            acc += weights[i];
            if (acc >= half) return values[i];
        }
        return values[order[order.length - 1]];
    }

    /** Random values; with ties, drawn from a few levels. */
    private static double[] values(Random random, int n, boolean ties) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = ties ? random.nextInt(5) : random.nextGaussian();
        return v;
    }
}
