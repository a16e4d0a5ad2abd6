package io.geostream.eval;

import java.util.Arrays;

/** Angle statistics between estimated and true unit normals (same frame), over pixels where both are finite. */
public final class NormalErrors {
    private double[] angles = new double[1024];
    private int n;

    /** Adds a frame's normals (interleaved xyz, same length). */
    public void add(float[] estimated, float[] truth) {
        if (estimated.length != truth.length) throw new IllegalArgumentException("normal maps differ in size");
        for (int p = 0; p + 2 < estimated.length; p += 3) {
            double ex = estimated[p], ey = estimated[p + 1], ez = estimated[p + 2];
            double tx = truth[p], ty = truth[p + 1], tz = truth[p + 2];
            double ne = Math.sqrt(ex * ex + ey * ey + ez * ez), nt = Math.sqrt(tx * tx + ty * ty + tz * tz);
            if (!(ne > 0) || !(nt > 0) || !Double.isFinite(ne) || !Double.isFinite(nt)) continue;
            double cos = Math.max(-1, Math.min(1, (ex * tx + ey * ty + ez * tz) / (ne * nt)));
            if (n == angles.length) angles = Arrays.copyOf(angles, 2 * n);
            angles[n++] = Math.toDegrees(Math.acos(cos));
        }
    }

    /** Mean and median angle (degrees) and the shares (0..1) under 11.25, 22.5 and 30 degrees. */
    public record Result(double meanDeg, double medianDeg, double under11, double under22, double under30, long pixels) {}

    public Result result() {
        if (n == 0) return new Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        double[] a = Arrays.copyOf(angles, n);
        Arrays.sort(a);
        double sum = 0;
        int u11 = 0, u22 = 0, u30 = 0;
        for (double v : a) {
            sum += v;
            if (v < 11.25) u11++;
            if (v < 22.5) u22++;
            if (v < 30) u30++;
        }
        double median = n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
        return new Result(sum / n, median, (double) u11 / n, (double) u22 / n, (double) u30 / n, n);
    }
}
