package io.geostream.bench;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.OpenCvPoseEstimator;
import io.geostream.geometry.PoseEstimator;
import io.geostream.geometry.PoseFit;
import io.geostream.geometry.RigidTransform;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.simulated.ErrorModel;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The two PnP solvers on the same correspondences: the grid points of simulated clip predictions (the realistic or
 * mild preset, so with the model's errors) against their pixels, with the true intrinsics and the previous frame's
 * pose as the guess, as the stitcher calls them. Timed alternately in one thread; the camera centres they find are
 * compared with each other and with the truth (after the clip's similarity, as ATE would).
 */
public final class PoseBenchmark {
    private PoseBenchmark() {}

    /**
     * @param handwrittenMs median ms per call of {@link PoseEstimator}
     * @param opencvMs      median ms per call of {@link OpenCvPoseEstimator}
     * @param centreDiff    the largest distance between the two solvers' camera centres, as a share of the scene depth
     */
    public record Result(int calls, int points, double handwrittenMs, double opencvMs, double centreDiff) {}

    public static Result run(ErrorModel preset, int width, int height, int frames, int rounds) throws Exception {
        SceneSpec spec = new SceneSpec(3, width, height, frames, TrajectoryKind.HANDHELD, 0, 10);
        SyntheticScene scene = new SyntheticScene(spec);
        List<double[][]> worlds = new ArrayList<>(), pixels = new ArrayList<>();
        List<CameraIntrinsics> ks = new ArrayList<>();
        int step = Math.max(1, (int) Math.round(Math.sqrt(width * height / 1000.0)));
        try (SimulatedGeometryModel model = new SimulatedGeometryModel(preset.settings())) {
            List<ClipInput.Frame> clipFrames = new ArrayList<>();
            for (int i = 0; i < frames; i++) clipFrames.add(new ClipInput.Frame(i, 0, new byte[width * height * 3], null, false));
            ClipGeometry g = model.predict(new ClipInput("bench", 0, 0, width, height, clipFrames,
                    Map.of(SceneSpec.ATTRIBUTE_KEY, spec.encode())));
            for (int i = 0; i < frames; i++) {
                FrameTruth t = scene.render(i);
                float[] p = g.frames().get(i).pointMap();
                List<double[]> w = new ArrayList<>(), px = new ArrayList<>();
                for (int v = step / 2; v < height; v += step) {
                    for (int u = step / 2; u < width; u += step) {
                        int q = v * width + u;
                        w.add(new double[] {p[3 * q], p[3 * q + 1], p[3 * q + 2]});
                        px.add(new double[] {u, v});
                    }
                }
                worlds.add(w.toArray(new double[0][]));
                pixels.add(px.toArray(new double[0][]));
                ks.add(t.intrinsics());
            }
        }
        double[] hand = new double[rounds * frames], cv = new double[rounds * frames];
        double worst = 0;
        int n = 0;
        for (int round = 0; round < rounds; round++) {
            RigidTransform guessH = null, guessC = null;
            for (int i = 0; i < frames; i++) {
                long t0 = System.nanoTime();
                PoseFit h = PoseEstimator.estimate(worlds.get(i), pixels.get(i), ks.get(i), guessH);
                long t1 = System.nanoTime();
                PoseFit c = OpenCvPoseEstimator.estimate(worlds.get(i), pixels.get(i), ks.get(i), guessC);
                long t2 = System.nanoTime();
                hand[n] = (t1 - t0) / 1e6;
                cv[n] = (t2 - t1) / 1e6;
                n++;
                guessH = h.worldFromCamera();
                guessC = c.worldFromCamera();
                double[] a = h.worldFromCamera().center(), b = c.worldFromCamera().center();
                double d = Math.sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
                worst = Math.max(worst, d / depthScale(worlds.get(i)));
            }
        }
        return new Result(n, worlds.get(0).length, median(hand), median(cv), worst);
    }

    private static double depthScale(double[][] world) {
        double sum = 0;
        int n = 0;
        for (double[] w : world) {
            if (Double.isFinite(w[2])) {
                sum += Math.sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
                n++;
            }
        }
        return n == 0 ? 1 : sum / n;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
