package io.geostream.stitch;

import io.geostream.geometry.Selection;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.Umeyama;
import io.geostream.records.ClipResult;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Robust stitching: like {@link NaiveStitcher} a chain of clip-to-clip similarities fitted on the
 * overlap frames' grid points, but the Sim(3) is confidence-weighted and refitted by iteratively
 * reweighted least squares with a Cauchy loss on depth-relative residuals, so depth outliers, moving
 * objects and low-confidence pixels barely move it. Reports the inlier residual, inlier share and scale
 * per clip; beyond {@link StitcherSettings#maxResidual()} or below {@link StitcherSettings#minInlierShare()}
 * the segment ends (TRACKING_LOST).
 *
 * <p>Residuals are divided by the point's distance from the anchor camera, because a geometry model's
 * error grows with depth: far points would otherwise dominate the fit.
 */
public final class RobustStitcher implements Stitcher {

    public static final String METHOD = "robust-irls";
    public static final String METHOD_KEYFRAMES = "robust-irls-keyframes";
    public static final String METHOD_PER_FRAME = "robust-irls-per-frame";
    /**
     * Weight of a keyframe correspondence relative to an overlap one: the keyframe's world points are
     * fixed for the segment and a clip predicts its slot 0 with no intra-clip drift, while the previous
     * clip's overlap frames carry that clip's drift.
     */
    public static final double KEYFRAME_WEIGHT = 10;
    /** IRLS iterations after the confidence-weighted start. */
    static final int ITERATIONS = 8;
    /** Cauchy scale in robust standard deviations (1.4826 x median absolute residual). */
    static final double CAUCHY_K = 2.5;
    /** Lower bound of the Cauchy scale, relative to depth (noise-free data has zero residuals). */
    static final double MIN_SCALE = 1e-6;

    private final StitcherSettings config;
    private final ChainStitcher chain;
    private final String method;

    public RobustStitcher(StitcherSettings config) {
        this(config, false);
    }

    /**
     * @param keyframes also fit against the segment's keyframe (its first frame) whenever a clip holds it
     *                  again (clip cutter with {@code keyframes = 1}); method id {@link #METHOD_KEYFRAMES}
     */
    public RobustStitcher(StitcherSettings config, boolean keyframes) {
        this(config, keyframes, false);
    }

    /**
     * @param perFrame correct each frame from the clips on both sides of it instead of one Sim(3) per clip (method id
     *                 {@link #METHOD_PER_FRAME}; frames wait one clip stride)
     */
    public RobustStitcher(StitcherSettings config, boolean keyframes, boolean perFrame) {
        this.config = Objects.requireNonNull(config, "config");
        this.method = perFrame ? METHOD_PER_FRAME : keyframes ? METHOD_KEYFRAMES : METHOD;
        this.chain = new ChainStitcher(config, this::fit, method, keyframes, perFrame);
    }

    @Override
    public List<StitchEvent> process(StitcherState s, ClipResult r) {
        return chain.process(s, r);
    }

    @Override
    public void process(StitcherState s, ClipResult r, java.util.function.Consumer<StitchEvent> out) {
        chain.process(s, r, out);
    }

    @Override
    public String method() {
        return method;
    }

    private OverlapAligner.Fit fit(List<AnchorFrame> anchors, ClipResult r, ChainStitcher.Grid grid) {
        int cells = grid.cells();
        int capacity = 0;
        for (AnchorFrame a : anchors) capacity += cells;
        float[] src = new float[3 * capacity];
        float[] dst = new float[3 * capacity];
        double[] prior = new double[capacity]; // confidence product / depth^2
        double[] depth = new double[capacity];
        double[][] centres = new double[capacity][];
        // Correspondences are grouped by anchor frame: [frameStart[j], frameStart[j + 1]) belong to frame j.
        int[] frameStart = new int[anchors.size() + 1];
        boolean[] frameIsKeyframe = new boolean[anchors.size()];
        int frames = 0;
        int n = 0;
        for (AnchorFrame a : anchors) {
            int slot = OverlapAligner.slotOf(r, a.frameIndex);
            if (slot < 0 || a.gridPoints.length != 3 * cells) continue;
            frameStart[frames] = n;
            frameIsKeyframe[frames] = a.keyframe;
            float[] local = grid.sample(r.pointMaps[slot]);
            float[] localConf = r.confidence == null || r.confidence[slot] == null ? null : grid.sampleScalar(r.confidence[slot]);
            for (int c = 0; c < cells; c++) {
                float px = local[3 * c], py = local[3 * c + 1], pz = local[3 * c + 2];
                float qx = a.gridPoints[3 * c], qy = a.gridPoints[3 * c + 1], qz = a.gridPoints[3 * c + 2];
                if (!(Float.isFinite(px) && Float.isFinite(py) && Float.isFinite(pz)
                        && Float.isFinite(qx) && Float.isFinite(qy) && Float.isFinite(qz))) continue;
                double d = Math.sqrt(sq(qx - a.cameraCenter[0]) + sq(qy - a.cameraCenter[1]) + sq(qz - a.cameraCenter[2]));
                if (!(d > 0)) continue;
                double conf = (localConf == null ? 1 : localConf[c]) * (a.gridConfidence == null ? 1 : a.gridConfidence[c]);
                if (!(conf > 0) || !Double.isFinite(conf)) continue;
                src[3 * n] = px; src[3 * n + 1] = py; src[3 * n + 2] = pz;
                dst[3 * n] = qx; dst[3 * n + 1] = qy; dst[3 * n + 2] = qz;
                prior[n] = (a.keyframe ? KEYFRAME_WEIGHT : 1) * conf / (d * d);
                depth[n] = d;
                centres[n] = a.cameraCenter;
                n++;
            }
            frames++;
            frameStart[frames] = n;
        }
        if (n < 6) return null;
        src = Arrays.copyOf(src, 3 * n);
        dst = Arrays.copyOf(dst, 3 * n);
        float[] weights = new float[n];
        for (int i = 0; i < n; i++) weights[i] = (float) prior[i];
        double[] rel = new double[n];
        Sim3 sim;
        double rms;
        double inlierShare;
        try {
            sim = irls(Umeyama.fit(src, dst, weights, true), src, dst, depth, prior, weights, rel, true);
            // Tracking is judged on this joint fit: with the scale pinned to the keyframe below, a depth bias
            // that differs between the keyframe's view and the overlap's can push the overlap frames past the
            // inlier threshold although the clip is well tracked.
            // With a keyframe, only its correspondences count: the overlap frames carry the previous clip's
            // drift, which near surfaces exceeds the inlier threshold although the clip is well anchored.
            residuals(sim, src, dst, depth, rel);
            boolean keyed = false;
            for (int j = 0; j < frames; j++) keyed |= frameIsKeyframe[j] && frameStart[j + 1] > frameStart[j];
            double sum = 0;
            int in = 0, judged = 0;
            for (int j = 0; j < frames; j++) {
                if (keyed && !frameIsKeyframe[j]) continue;
                for (int i = frameStart[j]; i < frameStart[j + 1]; i++) {
                    judged++;
                    if (rel[i] < config.inlierThreshold()) {
                        sum += rel[i] * rel[i];
                        in++;
                    }
                }
            }
            rms = in == 0 ? Double.POSITIVE_INFINITY : Math.sqrt(sum / in);
            inlierShare = judged == 0 ? 0 : (double) in / judged;
            double s = referenceScale(src, dst, scaleWeights(sim, src, depth, centres, weights), frameStart,
                    frameIsKeyframe, frames);
            if (Double.isFinite(s) && s > 0) {
                // Fix the scale and refit rotation and translation on all frames (rigid fit of s * src).
                float[] scaled = new float[src.length];
                for (int i = 0; i < src.length; i++) scaled[i] = (float) (s * src[i]);
                Sim3 scaling = new Sim3(s, IDENTITY, ZERO);
                Sim3 rigid = Umeyama.fit(scaled, dst, weights, false);
                rigid = irls(rigid, scaled, dst, depth, prior, weights, rel, false);
                sim = rigid.compose(scaling);
            }
        } catch (IllegalArgumentException degenerate) {
            return null;
        }
        return new OverlapAligner.Fit(sim, n, rms, inlierShare);
    }

    private static final double[] IDENTITY = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    private static final double[] ZERO = {0, 0, 0};

    /** Cauchy-reweighted refits from {@code start}; leaves the final weights in {@code weights}. */
    private static Sim3 irls(Sim3 start, float[] src, float[] dst, double[] depth, double[] prior, float[] weights,
                             double[] rel, boolean estimateScale) {
        Sim3 sim = start;
        int n = rel.length;
        double[] scratch = new double[n];
        for (int iteration = 0; iteration < ITERATIONS; iteration++) {
            residuals(sim, src, dst, depth, rel);
            // The median by quickselect, not a sort: the same value, and half the fit's time was the sort (bench
            // pipeline profile, session 18).
            System.arraycopy(rel, 0, scratch, 0, n);
            double scale = Math.max(MIN_SCALE, CAUCHY_K * 1.4826 * Selection.kth(scratch, n, n / 2));
            for (int i = 0; i < n; i++) {
                double u = rel[i] / scale;
                weights[i] = (float) (prior[i] / (1 + u * u));
            }
            sim = Umeyama.fit(src, dst, weights, estimateScale);
        }
        return sim;
    }

    /**
     * The clip's scale from each reference frame on its own, then averaged in log space (weighted by the
     * frame's total weight). A frame-by-frame similarity is blind to a rigid error of the whole frame, which
     * is what a model's intra-clip drift does to the previous clip's overlap frames: fitted jointly with a
     * keyframe, such a displacement between frames leaks into the scale. The reference frames are the
     * keyframes when the clip holds one (their world points are fixed for the segment, so the scale does
     * not random-walk from clip to clip), else the overlap frames.
     * <p>
     * Each frame's scale is the ratio of the two predictions' spreads ({@link Umeyama#spreadRatio}), with the IRLS
     * weights, not the least-squares scale: both sides are a model's noisy predictions, and the least-squares scale,
     * which regresses one on the other, comes out a few per cent low per clip under the realistic instrument; chained
     * from clip to clip that shrank a 2,000-frame path about 70-fold (docs/benchmarks.md, session 12).
     *
     * @return the scale, or NaN when no reference frame has a usable fit
     */
    private static double referenceScale(float[] src, float[] dst, float[] weights, int[] frameStart,
                                         boolean[] frameIsKeyframe, int frames) {
        boolean anyKeyframe = false;
        for (int j = 0; j < frames; j++) anyKeyframe |= frameIsKeyframe[j] && frameStart[j + 1] - frameStart[j] >= 6;
        double logSum = 0, weightSum = 0;
        for (int j = 0; j < frames; j++) {
            int from = frameStart[j], to = frameStart[j + 1];
            if (to - from < 6 || (anyKeyframe && !frameIsKeyframe[j])) continue;
            double w = 0;
            for (int i = from; i < to; i++) w += weights[i];
            if (!(w > 0)) continue;
            double s = Umeyama.spreadRatio(Arrays.copyOfRange(src, 3 * from, 3 * to), Arrays.copyOfRange(dst, 3 * from, 3 * to),
                    Arrays.copyOfRange(weights, from, to));
            // A frame whose points are degenerate on their own gives no scale; the others still do.
            if (!(s > 0) || !Double.isFinite(s)) continue;
            logSum += w * Math.log(s);
            weightSum += w;
        }
        return weightSum > 0 ? Math.exp(logSum / weightSum) : Double.NaN;
    }

    /**
     * The fit's weights for the scale, with the prior's 1 / d^2 made symmetric: 1 / (d_dst d_src), where d_src is the
     * distance of the clip's own point (placed by {@code sim}) from the held camera of its frame (the clip's own camera
     * of that frame is not known yet; placed, it lies near, 0.5-2 off under the realistic instrument). Each side is a model's prediction
     * with its own smooth depth error; weighting by the held side's distance alone favours the points that side places
     * too near, so its spread comes out small against the clip's and every clip was scaled down a little: under the
     * realistic instrument the per_frame chain shrank about 4-fold over 2,000 frames (trend_scale 0.2-0.28,
     * scripts/trajectory_scale.py; the depth field alone did it: with it off the chain kept its scale). Weighted
     * by both distances the two spreads are biased more alike: 2,000 frames keep 0.81-1.07 of their scale, though on
     * short handheld paths the world now grows a little (1.08-1.32 over 400 frames, where it was 0.92-1.16), and the
     * published path there is about 10 % worse by ATE (docs/benchmarks.md, sessions 14 and 15).
     */
    private static float[] scaleWeights(Sim3 sim, float[] src, double[] depth, double[][] centres, float[] weights) {
        float[] out = new float[weights.length];
        double[] p = new double[3];
        for (int i = 0; i < out.length; i++) {
            double[] q = placed(sim, src, i, p);
            double[] c = centres[i];
            double own = Math.sqrt(sq(q[0] - c[0]) + sq(q[1] - c[1]) + sq(q[2] - c[2]));
            out[i] = own > 0 ? (float) (weights[i] * depth[i] / own) : 0f;
        }
        return out;
    }

    /** |dst - sim(src)| / depth per correspondence. */
    private static void residuals(Sim3 sim, float[] src, float[] dst, double[] depth, double[] out) {
        double[] p = new double[3];
        for (int i = 0; i < out.length; i++) {
            double[] q = placed(sim, src, i, p);
            out[i] = Math.sqrt(sq(q[0] - dst[3 * i]) + sq(q[1] - dst[3 * i + 1]) + sq(q[2] - dst[3 * i + 2])) / depth[i];
        }
    }

    /** Correspondence {@code i} of {@code src} moved by {@code sim} ({@code scratch} holds it before the move). */
    private static double[] placed(Sim3 sim, float[] src, int i, double[] scratch) {
        scratch[0] = src[3 * i];
        scratch[1] = src[3 * i + 1];
        scratch[2] = src[3 * i + 2];
        return sim.apply(scratch);
    }

    private static double sq(double v) {
        return v * v;
    }
}
