package io.geostream.loop;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.Umeyama;
import io.geostream.synthetic.DeterministicRandom;

import java.util.ArrayList;
import java.util.List;


/**
 * Checks a loop candidate: ORB matches between two keyframes (brute-force Hamming with cross-check,
 * {@link HammingMatcher}), lifted to 3-D pairs by each frame's own depth, a RANSAC Sim(3) over them (Umeyama on minimal samples,
 * refitted on the inliers) that must hold enough pairs, and then the loop measured by PnP both ways
 * ({@link LoopPoseMeasurement}), which must agree. The result relates the two cameras including the relative scale of
 * the two predictions, which is what drifts in a clip-local model's stitched world.
 */
public final class LoopVerifier {

    /** Hamming distance above which a cross-checked match is dropped (of 256 bits). */
    static final int MAX_HAMMING = 64;
    private static final int SAMPLE_SIZE = 3;

    private final LoopClosureSettings settings;

    public LoopVerifier(LoopClosureSettings settings) {
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
    }

    /**
     * A verified loop: {@code oldFromNew} maps points of the new keyframe's camera into the old one's.
     *
     * @param inliers     3-D pairs within the inlier distance
     * @param matches     cross-checked descriptor matches with valid depth on both sides
     * @param rmsRelative the 3-D consensus' inlier RMS residual over the old keyframe's median feature depth
     */
    public record Match(Sim3 oldFromNew, int inliers, int matches, double rmsRelative) {}

    /**
     * @param k the new keyframe's intrinsics (the pixels the PnP measures in)
     * @return the verified loop, or null when the two frames do not show the same place well enough
     */
    public Match verify(KeyframeFeatures oldFrame, KeyframeFeatures newFrame, CameraIntrinsics k, long seed) {
        if (oldFrame.count() < SAMPLE_SIZE || newFrame.count() < SAMPLE_SIZE) return null;
        int[][] pairs = crossCheckedMatches(oldFrame, newFrame);
        int n = pairs.length;
        if (n < settings.minInliers()) return null;
        double[][] src = new double[n][], dst = new double[n][];
        for (int i = 0; i < n; i++) {
            src[i] = point(newFrame.cameraPoints(), pairs[i][1]);
            dst[i] = point(oldFrame.cameraPoints(), pairs[i][0]);
        }
        double scaleRef = medianDepth(dst);
        double threshold = settings.inlierDistance() * scaleRef;
        DeterministicRandom random = new DeterministicRandom(seed);
        boolean[] best = null;
        int bestCount = 0;
        double[][] s3 = new double[SAMPLE_SIZE][], d3 = new double[SAMPLE_SIZE][];
        for (int it = 0; it < settings.ransacIterations(); it++) {
            int a = random.nextInt(n), b = random.nextInt(n), c = random.nextInt(n);
            if (a == b || b == c || a == c) continue;
            s3[0] = src[a]; s3[1] = src[b]; s3[2] = src[c];
            d3[0] = dst[a]; d3[1] = dst[b]; d3[2] = dst[c];
            Sim3 guess;
            try {
                guess = Umeyama.fit(s3, d3, null, true);
            } catch (IllegalArgumentException degenerate) {
                continue;
            }
            boolean[] in = inliers(guess, src, dst, threshold);
            int count = count(in);
            if (count > bestCount) {
                bestCount = count;
                best = in;
            }
        }
        if (best == null || bestCount < settings.minInliers()) return null;
        Sim3 fit = refit(src, dst, best);
        if (fit == null) return null;
        boolean[] in = inliers(fit, src, dst, threshold);
        if (count(in) < settings.minInliers()) return null;
        fit = refit(src, dst, in);
        if (fit == null) return null;
        in = inliers(fit, src, dst, threshold);
        Sim3 spread = withSpreadScale(src, dst, in);
        if (spread != null) {
            fit = spread;
            in = inliers(fit, src, dst, threshold);
        }
        int finalCount = count(in);
        if (finalCount < settings.minInliers()) return null;
        // The 3-D consensus (its refits above decide the inlier count, as before the PnP) says the matches show one place;
        // the pixels measure where the cameras stand. All matches go in: the PnP's own RANSAC keeps the consistent ones
        // (a 3-D consensus can be a wrong one: a loop 102 deg off).
        Sim3 measured = LoopPoseMeasurement.oldFromNew(dst, src, k, settings.minInliers());
        if (measured == null) return null;
        return new Match(measured, finalCount, n, rms(fit, src, dst, in) / scaleRef);
    }

    /** Pairs (old feature, new feature) that are each other's nearest descriptor and close enough. */
    static int[][] crossCheckedMatches(KeyframeFeatures oldFrame, KeyframeFeatures newFrame) {
        List<int[]> out = new ArrayList<>();
        for (HammingMatcher.Match m : HammingMatcher.crossChecked(newFrame.descriptors(), oldFrame.descriptors())) {
            if (m.distance() <= MAX_HAMMING) out.add(new int[] {m.train(), m.query()});
        }
        return out.toArray(new int[0][]);
    }

    /**
     * The inliers' similarity with the scale from the ratio of their spreads ({@link Umeyama#spreadRatio}), then rotation
     * and translation refitted with it fixed; null when degenerate. Both keyframes' points are a model's noisy
     * predictions, and the least-squares scale regresses one on the other: it comes out low by the noise's share of the
     * spread (the stitcher's clip scale had the same bias, {@code RobustStitcher#referenceScale}).
     */
    private static Sim3 withSpreadScale(double[][] src, double[][] dst, boolean[] in) {
        int k = count(in);
        if (k < SAMPLE_SIZE) return null;
        float[] s = new float[3 * k], d = new float[3 * k];
        for (int i = 0, j = 0; i < in.length; i++) {
            if (!in[i]) continue;
            for (int c = 0; c < 3; c++) {
                s[3 * j + c] = (float) src[i][c];
                d[3 * j + c] = (float) dst[i][c];
            }
            j++;
        }
        double scale = Umeyama.spreadRatio(s, d, null);
        if (!(scale > 0) || !Double.isFinite(scale)) return null;
        for (int i = 0; i < s.length; i++) s[i] = (float) (s[i] * scale);
        try {
            Sim3 rigid = Umeyama.fit(s, d, null, false); // x -> R (scale x) + t
            return new Sim3(scale, rigid.rotation(), rigid.translation());
        } catch (IllegalArgumentException degenerate) {
            return null;
        }
    }

    private static Sim3 refit(double[][] src, double[][] dst, boolean[] in) {
        int k = count(in);
        double[][] s = new double[k][], d = new double[k][];
        for (int i = 0, j = 0; i < in.length; i++) {
            if (!in[i]) continue;
            s[j] = src[i];
            d[j++] = dst[i];
        }
        try {
            return Umeyama.fit(s, d, null, true);
        } catch (IllegalArgumentException degenerate) {
            return null;
        }
    }

    private static boolean[] inliers(Sim3 fit, double[][] src, double[][] dst, double threshold) {
        boolean[] in = new boolean[src.length];
        double t2 = threshold * threshold;
        for (int i = 0; i < src.length; i++) in[i] = distance2(fit.apply(src[i]), dst[i]) <= t2;
        return in;
    }

    private static double rms(Sim3 fit, double[][] src, double[][] dst, boolean[] in) {
        double sum = 0;
        int k = 0;
        for (int i = 0; i < src.length; i++) {
            if (!in[i]) continue;
            sum += distance2(fit.apply(src[i]), dst[i]);
            k++;
        }
        return Math.sqrt(sum / Math.max(1, k));
    }

    private static int count(boolean[] in) {
        int c = 0;
        for (boolean b : in) if (b) c++;
        return c;
    }

    private static double distance2(double[] a, double[] b) {
        double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
        return dx * dx + dy * dy + dz * dz;
    }

    private static double[] point(float[] xyz, int i) {
        return new double[] {xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]};
    }

    static double medianDepth(double[][] points) {
        double[] z = new double[points.length];
        for (int i = 0; i < z.length; i++) z[i] = points[i][2];
        java.util.Arrays.sort(z);
        return z[z.length / 2];
    }
}
