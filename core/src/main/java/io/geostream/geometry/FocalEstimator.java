package io.geostream.geometry;

/**
 * Recovers a pinhole focal length from a camera-frame point map: pixel (u, v) sees the point
 * (X, Y, Z), so u - cx = f X / Z and v - cy = f Y / Z with the principal point at the image centre.
 * The point map's scale does not matter (only X/Z and Y/Z are used), so a model's output in its own
 * gauge works as long as its frame is a camera frame (no extra rotation).
 */
public final class FocalEstimator {
    /** Fewest usable pixels accepted. */
    public static final int MIN_POINTS = 16;
    /** Pixels used at most (a deterministic, evenly strided subset above that). */
    private static final int MAX_POINTS = 50_000;

    private FocalEstimator() {}

    /**
     * Fits fx = fy robustly (weighted median of per-pixel estimates, then Cauchy IRLS on the pixel
     * residuals); cx = (width - 1) / 2, cy = (height - 1) / 2.
     *
     * @param cameraFramePointMap interleaved x, y, z per pixel, row-major, 3 * width * height floats;
     *                            non-finite points and points with z <= 0 are ignored
     * @throws IllegalArgumentException for a wrong array size, or fewer than {@link #MIN_POINTS} usable
     *                                  pixels away from the principal point
     */
    public static CameraIntrinsics estimate(float[] cameraFramePointMap, int width, int height) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("bad size " + width + "x" + height);
        if (cameraFramePointMap == null || cameraFramePointMap.length != 3L * width * height) {
            throw new IllegalArgumentException("point map must hold 3 * " + width + " * " + height + " floats, got "
                    + (cameraFramePointMap == null ? "null" : cameraFramePointMap.length));
        }
        double cx = (width - 1) / 2.0;
        double cy = (height - 1) / 2.0;
        int pixels = width * height;
        int stride = Math.max(1, (pixels + MAX_POINTS - 1) / MAX_POINTS);
        int capacity = (pixels + stride - 1) / stride;
        double[] xs = new double[capacity];  // X/Z
        double[] ys = new double[capacity];  // Y/Z
        double[] us = new double[capacity];  // u - cx
        double[] vs = new double[capacity];  // v - cy
        int n = 0;
        for (int p = 0; p < pixels; p += stride) {
            float x = cameraFramePointMap[3 * p], y = cameraFramePointMap[3 * p + 1], z = cameraFramePointMap[3 * p + 2];
            if (!Float.isFinite(x) || !Float.isFinite(y) || !Float.isFinite(z) || !(z > 0)) continue;
            double du = p % width - cx, dv = p / width - cy;
            double rx = x / (double) z, ry = y / (double) z;
            double r2 = rx * rx + ry * ry;
            if (!(r2 > 1e-12) || du * du + dv * dv < 0.25 || !Double.isFinite(r2)) continue; // no information
            xs[n] = rx;
            ys[n] = ry;
            us[n] = du;
            vs[n] = dv;
            n++;
        }
        if (n < MIN_POINTS) {
            throw new IllegalArgumentException("need at least " + MIN_POINTS + " valid points in front of the camera"
                    + " away from the image centre, got " + n);
        }
        double f = weightedMedianFocal(xs, ys, us, vs, n);
        if (!(f > 0)) throw new IllegalArgumentException("points do not determine a positive focal length");
        // Cauchy IRLS on residuals (u - cx - f X/Z, v - cy - f Y/Z); the scale follows the residual spread.
        double[] residuals = new double[n];
        double[] scratch = new double[n];
        for (int iteration = 0; iteration < 10; iteration++) {
            for (int i = 0; i < n; i++) {
                double eu = us[i] - f * xs[i], ev = vs[i] - f * ys[i];
                residuals[i] = Math.sqrt(eu * eu + ev * ev);
            }
            System.arraycopy(residuals, 0, scratch, 0, n);
            double c = Math.max(1.4826 * Selection.kth(scratch, n, n / 2), 0.05);
            double num = 0, den = 0;
            for (int i = 0; i < n; i++) {
                double w = 1 / (1 + (residuals[i] / c) * (residuals[i] / c));
                num += w * (us[i] * xs[i] + vs[i] * ys[i]);
                den += w * (xs[i] * xs[i] + ys[i] * ys[i]);
            }
            double next = num / den;
            if (!(next > 0) || !Double.isFinite(next)) break;
            boolean converged = Math.abs(next - f) < 1e-9 * f;
            f = next;
            if (converged) break;
        }
        return new CameraIntrinsics(f, f, cx, cy, width, height);
    }

    /** Weighted median of per-pixel estimates (du x + dv y) / r^2, weighted by r^2 (their reliability). */
    private static double weightedMedianFocal(double[] xs, double[] ys, double[] us, double[] vs, int n) {
        double[] values = new double[n], weights = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            double r2 = xs[i] * xs[i] + ys[i] * ys[i];
            values[i] = (us[i] * xs[i] + vs[i] * ys[i]) / r2;
            weights[i] = r2;
            total += r2;
        }
        return Selection.weightedMedian(values, weights, n, total / 2);
    }
}
