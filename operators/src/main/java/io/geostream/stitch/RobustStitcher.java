package io.geostream.stitch;

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
 * per clip; beyond {@link StitcherConfig#maxResidual()} or below {@link StitcherConfig#minInlierShare()}
 * the segment ends (TRACKING_LOST).
 *
 * <p>Residuals are divided by the point's distance from the anchor camera, because a geometry model's
 * error grows with depth: far points would otherwise dominate the fit.
 */
public final class RobustStitcher implements Stitcher {

    public static final String METHOD = "robust-irls";
    public static final String METHOD_KEYFRAMES = "robust-irls-keyframes";
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

    private final StitcherConfig config;
    private final ChainStitcher chain;
    private final String method;

    public RobustStitcher(StitcherConfig config) {
        this(config, false);
    }

    /**
     * @param keyframes also fit against the segment's keyframe (its first frame) whenever a clip holds it
     *                  again (clip cutter with {@code keyframes = 1}); method id {@link #METHOD_KEYFRAMES}
     */
    public RobustStitcher(StitcherConfig config, boolean keyframes) {
        this.config = Objects.requireNonNull(config, "config");
        this.method = keyframes ? METHOD_KEYFRAMES : METHOD;
        this.chain = new ChainStitcher(config, this::fit, method, keyframes);
    }

    @Override
    public List<StitchEvent> process(StitcherState s, ClipResult r) {
        return chain.process(s, r);
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
        int n = 0;
        for (AnchorFrame a : anchors) {
            int slot = OverlapAligner.slotOf(r, a.frameIndex);
            if (slot < 0 || a.gridPoints.length != 3 * cells) continue;
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
                n++;
            }
        }
        if (n < 6) return null;
        src = Arrays.copyOf(src, 3 * n);
        dst = Arrays.copyOf(dst, 3 * n);
        float[] weights = new float[n];
        for (int i = 0; i < n; i++) weights[i] = (float) prior[i];
        double[] rel = new double[n];
        Sim3 sim;
        try {
            sim = Umeyama.fit(src, dst, weights, true);
            for (int iteration = 0; iteration < ITERATIONS; iteration++) {
                residuals(sim, src, dst, depth, rel);
                double[] sorted = rel.clone();
                Arrays.sort(sorted);
                double scale = Math.max(MIN_SCALE, CAUCHY_K * 1.4826 * sorted[n / 2]);
                for (int i = 0; i < n; i++) {
                    double u = rel[i] / scale;
                    weights[i] = (float) (prior[i] / (1 + u * u));
                }
                sim = Umeyama.fit(src, dst, weights, true);
            }
        } catch (IllegalArgumentException degenerate) {
            return null;
        }
        residuals(sim, src, dst, depth, rel);
        double sum = 0;
        int in = 0;
        for (int i = 0; i < n; i++) {
            if (rel[i] < config.inlierThreshold()) {
                sum += rel[i] * rel[i];
                in++;
            }
        }
        double rms = in == 0 ? Double.POSITIVE_INFINITY : Math.sqrt(sum / in);
        return new OverlapAligner.Fit(sim, n, rms, (double) in / n);
    }

    /** |dst - sim(src)| / depth per correspondence. */
    private static void residuals(Sim3 sim, float[] src, float[] dst, double[] depth, double[] out) {
        double[] p = new double[3];
        for (int i = 0; i < out.length; i++) {
            p[0] = src[3 * i];
            p[1] = src[3 * i + 1];
            p[2] = src[3 * i + 2];
            double[] q = sim.apply(p);
            out[i] = Math.sqrt(sq(q[0] - dst[3 * i]) + sq(q[1] - dst[3 * i + 1]) + sq(q[2] - dst[3 * i + 2])) / depth[i];
        }
    }

    private static double sq(double v) {
        return v * v;
    }
}
