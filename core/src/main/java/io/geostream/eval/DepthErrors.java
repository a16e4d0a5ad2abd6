package io.geostream.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * AbsRel and delta < 1.25 of camera-frame z-depth against the truth, over the same pixels for both
 * variants: "global" = one least-squares scale for the whole sequence, "clip" = one per clip. Add
 * frames with {@link #add}; pixels where either depth is not finite and positive are skipped.
 */
public final class DepthErrors {
    private final List<float[]> estimated = new ArrayList<>();
    private final List<float[]> truth = new ArrayList<>();
    private final List<Long> clips = new ArrayList<>();

    /** Adds a frame's estimated and true depth (same length) and the clip it came from. */
    public void add(long clipId, float[] estimatedDepth, float[] trueDepth) {
        if (estimatedDepth.length != trueDepth.length) throw new IllegalArgumentException("depth maps differ in size");
        estimated.add(estimatedDepth);
        truth.add(trueDepth);
        clips.add(clipId);
    }

    /**
     * @param absRel mean |s e - t| / t
     * @param delta1 share of pixels with max(s e / t, t / s e) < 1.25
     * @param pixels pixels used
     */
    public record Result(double absRel, double delta1, long pixels) {}

    /** One least-squares scale s = sum(e t) / sum(e^2) for the whole sequence. */
    public Result global() {
        double et = 0, ee = 0;
        for (int f = 0; f < estimated.size(); f++) {
            float[] e = estimated.get(f), t = truth.get(f);
            for (int p = 0; p < e.length; p++) {
                if (valid(e[p], t[p])) {
                    et += (double) e[p] * t[p];
                    ee += (double) e[p] * e[p];
                }
            }
        }
        double s = et / ee;
        return score(f -> s);
    }

    /** One least-squares scale per clip (frames attributed to the clip that emitted them). */
    public Result perClip() {
        java.util.Map<Long, double[]> sums = new java.util.HashMap<>();
        for (int f = 0; f < estimated.size(); f++) {
            float[] e = estimated.get(f), t = truth.get(f);
            double[] acc = sums.computeIfAbsent(clips.get(f), k -> new double[2]);
            for (int p = 0; p < e.length; p++) {
                if (valid(e[p], t[p])) {
                    acc[0] += (double) e[p] * t[p];
                    acc[1] += (double) e[p] * e[p];
                }
            }
        }
        return score(f -> {
            double[] acc = sums.get(clips.get(f));
            return acc[0] / acc[1];
        });
    }

    private Result score(java.util.function.IntToDoubleFunction scaleOfFrame) {
        double sum = 0;
        long good = 0, n = 0;
        for (int f = 0; f < estimated.size(); f++) {
            float[] e = estimated.get(f), t = truth.get(f);
            double s = scaleOfFrame.applyAsDouble(f);
            for (int p = 0; p < e.length; p++) {
                if (!valid(e[p], t[p])) continue;
                double se = s * e[p];
                sum += Math.abs(se - t[p]) / t[p];
                if (Math.max(se / t[p], t[p] / se) < 1.25) good++;
                n++;
            }
        }
        return n == 0 ? new Result(Double.NaN, Double.NaN, 0) : new Result(sum / n, (double) good / n, n);
    }

    private static boolean valid(float e, float t) {
        return Float.isFinite(e) && Float.isFinite(t) && e > 0 && t > 0;
    }
}
