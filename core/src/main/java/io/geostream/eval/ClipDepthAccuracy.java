package io.geostream.eval;

import java.util.List;

/**
 * A clip's depth accuracy the way UniGeo scores it (its public metrics/eval_depth.py,
 * {@code depth_evaluation_in_global_coord}): on r = |P|, the distance of each point from the clip's first
 * camera, one least-squares scale and shift per clip (s r_pred + b fitted to r_true over the clip's valid
 * pixels), then the MEAN over those pixels of |s r_pred + b - r_true| / r_true. The same on z-depth gives
 * {@code absRelZ}; {@code delta1} is the share of pixels with max(ratio, 1/ratio) < 1.25 on r. Sequences
 * average the clips' figures ({@link #result()}).
 */
public final class ClipDepthAccuracy {
    private double absRelSum, absRelZSum, delta1Sum;
    private int clips;
    private long pixels;

    /** One clip's figures. */
    public record Clip(double absRel, double absRelZ, double delta1, long pixels) {}

    /** The mean over clips. */
    public record Result(double absRel, double absRelZ, double delta1, int clips, long pixels) {}

    /**
     * Scores one clip and adds it to the sequence's mean.
     *
     * @param predicted per frame, the predicted points (interleaved xyz) in the clip's output frame, whose origin
     *                  is the clip's first camera
     * @param truth     per frame, the true points in the clip's first camera frame (same sizes; NaN where unknown)
     * @return the clip's figures (NaN when it has no valid pixel; then it does not count)
     */
    public Clip addClip(List<float[]> predicted, List<float[]> truth) {
        if (predicted.size() != truth.size()) throw new IllegalArgumentException("frames differ in number");
        Clip r = fitAndScore(predicted, truth, false);
        Clip z = fitAndScore(predicted, truth, true);
        Clip clip = new Clip(r.absRel(), z.absRel(), r.delta1(), r.pixels());
        if (clip.pixels() > 0) {
            absRelSum += clip.absRel();
            absRelZSum += clip.absRelZ();
            delta1Sum += clip.delta1();
            clips++;
            pixels += clip.pixels();
        }
        return clip;
    }

    public Result result() {
        return clips == 0 ? new Result(Double.NaN, Double.NaN, Double.NaN, 0, 0)
                : new Result(absRelSum / clips, absRelZSum / clips, delta1Sum / clips, clips, pixels);
    }

    private static Clip fitAndScore(List<float[]> predicted, List<float[]> truth, boolean zDepth) {
        // Normal equations of min sum (s e + b - t)^2.
        double se = 0, st = 0, see = 0, set = 0;
        long n = 0;
        for (int f = 0; f < predicted.size(); f++) {
            float[] e = predicted.get(f), t = truth.get(f);
            if (e.length != t.length) throw new IllegalArgumentException("frame " + f + ": point maps differ in size");
            for (int p = 0; p + 2 < e.length; p += 3) {
                double ev = value(e, p, zDepth), tv = value(t, p, zDepth);
                if (!valid(ev, tv)) continue;
                se += ev;
                st += tv;
                see += ev * ev;
                set += ev * tv;
                n++;
            }
        }
        if (n < 2) return new Clip(Double.NaN, Double.NaN, Double.NaN, 0);
        double det = n * see - se * se;
        double s = det != 0 ? (n * set - se * st) / det : st / se;
        double b = det != 0 ? (st - s * se) / n : 0;
        double sum = 0;
        long good = 0;
        for (int f = 0; f < predicted.size(); f++) {
            float[] e = predicted.get(f), t = truth.get(f);
            for (int p = 0; p + 2 < e.length; p += 3) {
                double ev = value(e, p, zDepth), tv = value(t, p, zDepth);
                if (!valid(ev, tv)) continue;
                double aligned = s * ev + b;
                sum += Math.abs(aligned - tv) / tv;
                if (aligned > 0 && Math.max(aligned / tv, tv / aligned) < 1.25) good++;
            }
        }
        return new Clip(sum / n, Double.NaN, (double) good / n, n);
    }

    private static double value(float[] xyz, int p, boolean zDepth) {
        double x = xyz[p], y = xyz[p + 1], z = xyz[p + 2];
        return zDepth ? z : Math.sqrt(x * x + y * y + z * z);
    }

    private static boolean valid(double e, double t) {
        return Double.isFinite(e) && Double.isFinite(t) && e > 0 && t > 0;
    }
}
