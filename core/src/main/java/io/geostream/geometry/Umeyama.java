package io.geostream.geometry;

/**
 * Least-squares similarity between two point sets (S. Umeyama, "Least-squares estimation of
 * transformation parameters between two point patterns", IEEE TPAMI 13(4), 1991), optionally
 * weighted: finds s, R, t minimising sum_i w_i |dst_i - (s R src_i + t)|^2. The rotation is
 * reflection-safe (the SVD sign correction of the paper), so R always has determinant +1.
 */
public final class Umeyama {
    /** Relative size below which a singular value counts as zero (collinear / planar-degenerate data). */
    private static final double RANK_TOLERANCE = 1e-10;

    private Umeyama() {}

    /**
     * Fits dst ≈ s R src + t.
     *
     * @param src            N >= 3 source points, each 3 finite numbers
     * @param dst            N target points, each 3 finite numbers
     * @param weightsOrNull  N finite non-negative weights (at least 3 positive), or null for all 1
     * @throws IllegalArgumentException for fewer than 3 points, mismatched lengths, non-finite values,
     *                                  negative weights, or degenerate data (coincident or collinear
     *                                  points), for which the rotation is not determined
     */
    public static Sim3 fit(double[][] src, double[][] dst, double[] weightsOrNull) {
        return fit(src, dst, weightsOrNull, true);
    }

    /**
     * Like {@link #fit(double[][], double[][], double[])}; with {@code estimateScale == false} the
     * scale is fixed to 1 (a rigid fit, returned as a Sim3 with scale 1).
     */
    public static Sim3 fit(double[][] src, double[][] dst, double[] weightsOrNull, boolean estimateScale) {
        int n = checkedCount(src, dst, weightsOrNull);
        double[] s = new double[3 * n];
        double[] d = new double[3 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(src[i], 0, s, 3 * i, 3);
            System.arraycopy(dst[i], 0, d, 3 * i, 3);
        }
        return solve(s, d, weightsOrNull, n, estimateScale, false);
    }

    /**
     * A fit on interleaved float point maps (x, y, z per point), as produced by geometry models.
     * Points where either side has a non-finite coordinate, or whose weight is not positive and
     * finite, are skipped (not rejected), so raw point maps with holes can be passed directly.
     *
     * @param srcXyz         interleaved source points
     * @param dstXyz         interleaved target points, same length
     * @param weightsOrNull  one weight per point (e.g. confidences), or null for all 1
     * @throws IllegalArgumentException for mismatched lengths, fewer than 3 usable points, or degenerate data
     */
    public static Sim3 fit(float[] srcXyz, float[] dstXyz, float[] weightsOrNull, boolean estimateScale) {
        int n = interleavedCount(srcXyz, dstXyz, weightsOrNull);
        int used = 0;
        double[] s = new double[3 * n];
        double[] d = new double[3 * n];
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            float wi = weightsOrNull == null ? 1f : weightsOrNull[i];
            if (!(wi > 0) || !Float.isFinite(wi) || !finitePair(srcXyz, dstXyz, i)) continue;
            for (int k = 0; k < 3; k++) {
                s[3 * used + k] = srcXyz[3 * i + k];
                d[3 * used + k] = dstXyz[3 * i + k];
            }
            w[used++] = wi;
        }
        if (used < 3) throw new IllegalArgumentException("need at least 3 usable point pairs, got " + used);
        return solve(s, d, w, used, estimateScale, false);
    }

    /**
     * The symmetric scale between two corresponding point sets: the ratio of their weighted RMS spreads about their
     * weighted centroids (B. K. P. Horn, "Closed-form solution of absolute orientation using unit quaternions", JOSA
     * A 4(4), 1987, section 2.D). The least-squares scale of {@link #fit} regresses dst on src, so noise on the source
     * points inflates its denominator and biases it low (about 1 / (1 + noise variance / spread variance)); this ratio
     * is unbiased when both sides carry the same relative noise, as two predictions of the same frame by one model do.
     * Points are skipped like in {@link #fit(float[], float[], float[], boolean)}.
     *
     * @return dst spread / src spread, or NaN with fewer than 3 usable pairs or where either side's spread is zero (below
     *         1e-12 of its mean square distance from the origin: a set of coincident points)
     */
    public static double spreadRatio(float[] srcXyz, float[] dstXyz, float[] weightsOrNull) {
        int n = interleavedCount(srcXyz, dstXyz, weightsOrNull);
        double w = 0;
        double[] ms = new double[3], md = new double[3];
        double ss = 0, dd = 0;
        int used = 0;
        for (int i = 0; i < n; i++) {
            float wi = weightsOrNull == null ? 1f : weightsOrNull[i];
            if (!(wi > 0) || !Float.isFinite(wi) || !finitePair(srcXyz, dstXyz, i)) continue;
            used++;
            w += wi;
            for (int k = 0; k < 3; k++) {
                double sk = srcXyz[3 * i + k], dk = dstXyz[3 * i + k];
                ms[k] += wi * sk;
                md[k] += wi * dk;
                ss += wi * sk * sk;
                dd += wi * dk * dk;
            }
        }
        if (used < 3) return Double.NaN;
        double varSrc = ss / w - (ms[0] * ms[0] + ms[1] * ms[1] + ms[2] * ms[2]) / (w * w);
        double varDst = dd / w - (md[0] * md[0] + md[1] * md[1] + md[2] * md[2]) / (w * w);
        // One pass in double is exact enough for point maps (float input); but coincident points at a non-zero place
        // leave a rounding residue, not zero, so "no spread" is judged relative to the points' size.
        boolean spread = varSrc > 1e-12 * (ss / w) && varDst > 1e-12 * (dd / w);
        return spread ? Math.sqrt(varDst / varSrc) : Double.NaN;
    }

    /** The number of points of two interleaved xyz arrays and their optional weights, checked to match. */
    private static int interleavedCount(float[] srcXyz, float[] dstXyz, float[] weightsOrNull) {
        if (srcXyz == null || dstXyz == null) throw new IllegalArgumentException("point arrays must not be null");
        if (srcXyz.length != dstXyz.length || srcXyz.length % 3 != 0) {
            throw new IllegalArgumentException("src and dst must be interleaved xyz of equal length, got "
                    + srcXyz.length + " and " + dstXyz.length);
        }
        int n = srcXyz.length / 3;
        if (weightsOrNull != null && weightsOrNull.length != n) {
            throw new IllegalArgumentException("expected " + n + " weights, got " + weightsOrNull.length);
        }
        return n;
    }

    private static boolean finitePair(float[] src, float[] dst, int i) {
        for (int k = 0; k < 3; k++) {
            if (!Float.isFinite(src[3 * i + k]) || !Float.isFinite(dst[3 * i + k])) return false;
        }
        return true;
    }

    /** Root mean square of |dst_i - sim(src_i)| over all pairs. */
    public static double rmsResidual(Sim3 sim, double[][] src, double[][] dst) {
        if (sim == null) throw new IllegalArgumentException("similarity must not be null");
        int n = checkedCount(src, dst, null, 1);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double[] p = sim.apply(src[i]);
            double dx = dst[i][0] - p[0], dy = dst[i][1] - p[1], dz = dst[i][2] - p[2];
            sum += dx * dx + dy * dy + dz * dz;
        }
        return Math.sqrt(sum / n);
    }

    /**
     * Fit that tolerates collinear data (the rotation about the line is then arbitrary but still
     * optimal), for metrics such as ATE on straight trajectories. Coincident points still fail.
     */
    public static Sim3 fitAllowingCollinear(double[][] src, double[][] dst) {
        int n = checkedCount(src, dst, null);
        double[] s = new double[3 * n];
        double[] d = new double[3 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(src[i], 0, s, 3 * i, 3);
            System.arraycopy(dst[i], 0, d, 3 * i, 3);
        }
        return solve(s, d, null, n, true, true);
    }

    private static int checkedCount(double[][] src, double[][] dst, double[] weights) {
        return checkedCount(src, dst, weights, 3);
    }

    private static int checkedCount(double[][] src, double[][] dst, double[] weights, int minPoints) {
        if (src == null || dst == null) throw new IllegalArgumentException("point arrays must not be null");
        if (src.length != dst.length) {
            throw new IllegalArgumentException("src has " + src.length + " points but dst has " + dst.length);
        }
        if (src.length < minPoints) {
            throw new IllegalArgumentException("need at least " + minPoints + " point pairs, got " + src.length);
        }
        for (int i = 0; i < src.length; i++) {
            checkPoint(src[i], "src", i);
            checkPoint(dst[i], "dst", i);
        }
        if (weights != null) {
            if (weights.length != src.length) {
                throw new IllegalArgumentException("expected " + src.length + " weights, got " + weights.length);
            }
            int positive = 0;
            for (int i = 0; i < weights.length; i++) {
                if (!Double.isFinite(weights[i]) || weights[i] < 0) {
                    throw new IllegalArgumentException("weight " + i + " must be finite and >= 0: " + weights[i]);
                }
                if (weights[i] > 0) positive++;
            }
            if (positive < 3) throw new IllegalArgumentException("need at least 3 positive weights, got " + positive);
        }
        return src.length;
    }

    private static void checkPoint(double[] p, String name, int i) {
        if (p == null || p.length != 3) throw new IllegalArgumentException(name + "[" + i + "] must have 3 coordinates");
        if (!Double.isFinite(p[0]) || !Double.isFinite(p[1]) || !Double.isFinite(p[2])) {
            throw new IllegalArgumentException(name + "[" + i + "] is not finite");
        }
    }

    /** Core solver on validated interleaved data; w may be null (all 1). */
    private static Sim3 solve(double[] s, double[] d, double[] w, int n, boolean estimateScale, boolean allowCollinear) {
        double wSum = 0;
        double[] ms = new double[3];
        double[] md = new double[3];
        for (int i = 0; i < n; i++) {
            double wi = w == null ? 1 : w[i];
            wSum += wi;
            for (int k = 0; k < 3; k++) {
                ms[k] += wi * s[3 * i + k];
                md[k] += wi * d[3 * i + k];
            }
        }
        for (int k = 0; k < 3; k++) {
            ms[k] /= wSum;
            md[k] /= wSum;
        }
        double varSrc = 0;
        double varDst = 0;
        double[] cov = new double[9]; // sum w (d - md)(s - ms)^T / W
        double[] scatterSrc = new double[9];
        for (int i = 0; i < n; i++) {
            double wi = w == null ? 1 : w[i];
            if (wi == 0) continue;
            double sx = s[3 * i] - ms[0], sy = s[3 * i + 1] - ms[1], sz = s[3 * i + 2] - ms[2];
            double dx = d[3 * i] - md[0], dy = d[3 * i + 1] - md[1], dz = d[3 * i + 2] - md[2];
            varSrc += wi * (sx * sx + sy * sy + sz * sz);
            varDst += wi * (dx * dx + dy * dy + dz * dz);
            double[] sv = {sx, sy, sz};
            double[] dv = {dx, dy, dz};
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    cov[3 * a + b] += wi * dv[a] * sv[b];
                    scatterSrc[3 * a + b] += wi * sv[a] * sv[b];
                }
            }
        }
        varSrc /= wSum;
        varDst /= wSum;
        for (int k = 0; k < 9; k++) {
            cov[k] /= wSum;
            scatterSrc[k] /= wSum;
        }
        if (!(varSrc > 0) || !(varDst > 0)) {
            throw new IllegalArgumentException("degenerate point set: all " + (varSrc > 0 ? "target" : "source")
                    + " points coincide (zero variance)");
        }
        Mat3.Svd srcSvd = Mat3.svd(scatterSrc);
        Mat3.Svd covSvd = Mat3.svd(cov);
        if (!allowCollinear && (srcSvd.s()[1] <= RANK_TOLERANCE * srcSvd.s()[0]
                || covSvd.s()[1] <= RANK_TOLERANCE * covSvd.s()[0])) {
            throw new IllegalArgumentException("degenerate point set: points are collinear, so the rotation"
                    + " is not determined");
        }
        double[] r = Mat3.rotationFromSvd(covSvd);
        double scale = 1;
        if (estimateScale) {
            double sign = Mat3.det(covSvd.u()) * Mat3.det(covSvd.v()) < 0 ? -1 : 1;
            double traceDs = covSvd.s()[0] + covSvd.s()[1] + sign * covSvd.s()[2];
            scale = traceDs / varSrc;
            if (!(scale > 0) || !Double.isFinite(scale)) {
                throw new IllegalArgumentException("degenerate point set: fitted scale " + scale);
            }
        }
        double[] rms = Mat3.mulVec(r, ms);
        double[] t = {md[0] - scale * rms[0], md[1] - scale * rms[1], md[2] - scale * rms[2]};
        return new Sim3(scale, r, t);
    }
}
