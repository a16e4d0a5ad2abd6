package io.geostream.stitch;

import io.geostream.geometry.Sim3;
import io.geostream.geometry.Umeyama;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * v1 stitching, the "naive" baseline later methods are measured against: each new clip is mapped into
 * the segment's world frame by one unweighted Sim(3) (Umeyama) fitted on the frames it shares with the
 * previous clip's subsampled grid points; every frame is emitted once, by the first clip that holds it,
 * with its camera pose (PnP against its world points), camera-frame depth and normals.
 *
 * <p>Pure logic over a {@link StitcherState}; results must arrive in per-stream task order.
 */
public final class NaiveStitcher implements Stitcher {

    public static final String METHOD = "naive-umeyama";
    public static final String METHOD_ANCHOR = ChainStitcher.METHOD_ANCHOR;

    private final StitcherSettings config;
    private final ChainStitcher chain;

    public NaiveStitcher(StitcherSettings config) {
        this.config = Objects.requireNonNull(config, "config");
        this.chain = new ChainStitcher(config, this::fitToAnchors, METHOD);
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
        return METHOD;
    }

    private OverlapAligner.Fit fitToAnchors(List<AnchorFrame> anchors, ClipResult r, ChainStitcher.Grid grid) {
        List<double[]> src = new ArrayList<>();
        List<double[]> dst = new ArrayList<>();
        List<Double> dist = new ArrayList<>();
        ClipTask task = r.task;
        for (AnchorFrame a : anchors) {
            int slot = -1;
            for (int i = 0; i < task.realSlots(); i++) {
                if (task.frames[i].frameIndex == a.frameIndex) { slot = i; break; }
            }
            if (slot < 0 || a.gridPoints.length != 3 * grid.cells()) continue;
            float[] local = grid.sample(r.pointMaps[slot]);
            for (int c = 0; c < grid.cells(); c++) {
                double[] p = {local[3 * c], local[3 * c + 1], local[3 * c + 2]};
                double[] q = {a.gridPoints[3 * c], a.gridPoints[3 * c + 1], a.gridPoints[3 * c + 2]};
                if (finite(p) && finite(q)) {
                    src.add(p);
                    dst.add(q);
                    dist.add(Math.sqrt(sq(q[0] - a.cameraCenter[0]) + sq(q[1] - a.cameraCenter[1]) + sq(q[2] - a.cameraCenter[2])));
                }
            }
        }
        if (src.size() < 6) return null;
        double[][] srcA = src.toArray(new double[0][]);
        double[][] dstA = dst.toArray(new double[0][]);
        Sim3 sim;
        try {
            sim = Umeyama.fit(srcA, dstA, null);
        } catch (IllegalArgumentException degenerate) {
            return null;
        }
        double[] d = dist.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(d);
        double medianDepth = Math.max(1e-9, d[d.length / 2]);
        double sum = 0;
        int in = 0;
        for (int i = 0; i < srcA.length; i++) {
            double[] p = sim.apply(srcA[i]);
            double e = Math.sqrt(sq(p[0] - dstA[i][0]) + sq(p[1] - dstA[i][1]) + sq(p[2] - dstA[i][2]));
            sum += e * e;
            if (e < config.inlierThreshold() * medianDepth) in++;
        }
        double rms = Math.sqrt(sum / srcA.length) / medianDepth;
        return new OverlapAligner.Fit(sim, srcA.length, rms, (double) in / srcA.length);
    }

    private static boolean finite(double[] p) {
        return Double.isFinite(p[0]) && Double.isFinite(p[1]) && Double.isFinite(p[2]);
    }

    private static double sq(double v) {
        return v * v;
    }
}
