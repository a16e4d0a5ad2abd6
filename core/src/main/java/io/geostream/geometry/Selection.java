package io.geostream.geometry;

/**
 * Order statistics in linear expected time (quickselect with a three-way partition), for the robust fits that need
 * one median of many values: sorting all of them is what they used to do, and at 160x120 the focal estimate's sorts
 * were most of its time. Both methods reorder the arrays they are given.
 */
public final class Selection {
    private Selection() {}

    /**
     * The k-th smallest of the first {@code n} values (k from 0): the value {@code sorted[k]} would hold. Reorders them.
     * Values must not be NaN.
     */
    public static double kth(double[] values, int n, int k) {
        if (k < 0 || k >= n || n > values.length) throw new IllegalArgumentException("need 0 <= k < n <= length");
        int lo = 0, hi = n - 1;
        while (hi > lo) {
            double pivot = medianOf3(values[lo], values[(lo + hi) >>> 1], values[hi]);
            int lt = lo, i = lo, gt = hi;
            while (i <= gt) {
                double v = values[i];
                if (v < pivot) {
                    values[i++] = values[lt];
                    values[lt++] = v;
                } else if (v > pivot) {
                    values[i] = values[gt];
                    values[gt--] = v;
                } else {
                    i++;
                }
            }
            // [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot
            if (k < lt) hi = lt - 1;
            else if (k > gt) lo = gt + 1;
            else return pivot;
        }
        return values[k];
    }

    /**
     * The weighted median of the first {@code n} values: the smallest value v whose values at most v weigh at least
     * {@code half} (what walking the values in sorted order and adding up their weights until the sum reaches
     * {@code half} gives). Reorders both arrays alike. Values must not be NaN; weights must be non-negative.
     */
    public static double weightedMedian(double[] values, double[] weights, int n, double half) {
        if (n < 1 || n > values.length || n > weights.length) throw new IllegalArgumentException("need 1 <= n <= length");
        int lo = 0, hi = n - 1;
        double below = 0; // weight of the values left of lo, all smaller than any in [lo, hi]
        while (lo <= hi) {
            double pivot = medianOf3(values[lo], values[(lo + hi) >>> 1], values[hi]);
            int lt = lo, i = lo, gt = hi;
            double less = 0, equal = 0;
            while (i <= gt) {
                double v = values[i];
                if (v < pivot) {
                    swap(values, weights, i++, lt);
                    less += weights[lt++];
                } else if (v > pivot) {
                    swap(values, weights, i, gt--);
                } else {
                    equal += weights[i++];
                }
            }
            if (below + less >= half) {
                hi = lt - 1;
            } else if (below + less + equal >= half) {
                return pivot;
            } else {
                below += less + equal;
                lo = gt + 1;
            }
        }
        // The weights add up to less than half (rounding at most): the largest value, as the sorted walk ends.
        double max = values[0];
        for (int i = 1; i < n; i++) max = Math.max(max, values[i]);
        return max;
    }

    private static void swap(double[] values, double[] weights, int a, int b) {
        double v = values[a];
        values[a] = values[b];
        values[b] = v;
        double w = weights[a];
        weights[a] = weights[b];
        weights[b] = w;
    }

    private static double medianOf3(double a, double b, double c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}
