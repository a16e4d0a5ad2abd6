package io.geostream.load;

import org.apache.commons.math3.stat.regression.SimpleRegression;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The small statistics of the load commands: percentiles, medians and a least-squares slope with its uncertainty. */
public final class LoadStats {
    private LoadStats() {}

    /**
     * The {@code p}-th percentile (0..100) by the nearest-rank method: the smallest value with at least p% of
     * the values at or below it. NaN for no values.
     */
    public static double percentile(double[] values, double p) {
        if (p < 0 || p > 100 || Double.isNaN(p)) throw new IllegalArgumentException("p must be in [0, 100], got " + p);
        if (values.length == 0) return Double.NaN;
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** The median (mean of the middle two for an even count); NaN for no values. */
    public static double median(double[] values) {
        if (values.length == 0) return Double.NaN;
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Slope of the least-squares line through (x, y); NaN with fewer than two distinct x. */
    public static double slope(double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException("x and y differ in length: " + x.length + " vs " + y.length);
        int n = x.length;
        if (n < 2) return Double.NaN;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    /**
     * Half-width of the 95 % confidence interval of the least-squares slope through (x, y) (Student's t with n - 2
     * degrees of freedom, as {@link SimpleRegression} computes it); NaN with fewer than three points.
     */
    public static double slopeConfidence95(double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException("x and y differ in length: " + x.length + " vs " + y.length);
        if (x.length < 3) return Double.NaN;
        SimpleRegression r = new SimpleRegression();
        for (int i = 0; i < x.length; i++) r.addData(x[i], y[i]);
        return r.getSlopeConfidenceInterval(0.05);
    }

    /**
     * Points that arrive in bursts (frames made visible by one commit) reduced to one point per burst: a new burst
     * starts where x (ascending) jumps by more than {@code gap}; each burst gives the medians of its x and y. A fit through
     * the bursts' medians counts each commit once, where one through every point would take the thousands of points of
     * a handful of commits for independent measurements and report a confidence interval far too narrow.
     *
     * @return {medians of x, medians of y}, one entry per burst
     */
    public static double[][] burstMedians(double[] x, double[] y, double gap) {
        return bursts(x, y, gap, LoadStats::median);
    }

    /** As {@link #burstMedians}, each burst giving the median of its x and {@code summary} of its y. */
    public static double[][] bursts(double[] x, double[] y, double gap, java.util.function.ToDoubleFunction<double[]> summary) {
        if (x.length != y.length) throw new IllegalArgumentException("x and y differ in length: " + x.length + " vs " + y.length);
        List<Double> mx = new ArrayList<>(), my = new ArrayList<>();
        int from = 0;
        for (int i = 1; i <= x.length; i++) {
            if (i < x.length && x[i] < x[i - 1]) throw new IllegalArgumentException("x must be ascending");
            if (i == x.length || x[i] - x[i - 1] > gap) {
                mx.add(median(Arrays.copyOfRange(x, from, i)));
                my.add(summary.applyAsDouble(Arrays.copyOfRange(y, from, i)));
                from = i;
            }
        }
        return new double[][] {mx.stream().mapToDouble(Double::doubleValue).toArray(), my.stream().mapToDouble(Double::doubleValue).toArray()};
    }

    /**
     * Where a series settles under a bound: the x of the first point after which every y is at most {@code bound} (the
     * first point's x when none is over), or NaN when the last point is over it (or there is none). For a run's commits,
     * x their time and y the p99 latency of the frames each made visible: when the start-up backlog was worked off.
     */
    public static double settledUnder(double[] x, double[] y, double bound) {
        if (x.length != y.length) throw new IllegalArgumentException("x and y differ in length: " + x.length + " vs " + y.length);
        int last = y.length - 1;
        while (last >= 0 && y[last] <= bound) last--;
        if (last == y.length - 1) return Double.NaN;
        return x[last + 1];
    }
}
