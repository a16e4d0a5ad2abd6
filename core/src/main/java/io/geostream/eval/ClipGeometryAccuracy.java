package io.geostream.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A geometry model's accuracy on clips with known geometry (docs/metrics.md, "Model evaluation"): per clip the
 * depth figures of {@link ClipDepthAccuracy} (UniGeo's AbsRel on r = |P|, the same on z, delta1), the point error of
 * {@link WorldPointErrors} with the clip as its one group ({@code points_clip_rel}) and the normal angles of
 * {@link NormalErrors}; then, per figure, the mean, the median and the worst clip over clips ({@link #summarize}).
 *
 * <p>Everything is in the clip's FIRST-frame camera coordinates (optical: +x right, +y down, +z forward), the model
 * contract's frame: predicted and true points of every frame, normals (unit, facing the camera), and each frame's true
 * camera centre. Pixels where a true or predicted value is not finite are left out (the validity mask); a prediction
 * whose size differs from the truth's is an error, never a skip.
 */
public final class ClipGeometryAccuracy {
    private ClipGeometryAccuracy() {}

    /**
     * One clip's figures (docs/metrics.md).
     *
     * @param absRel          UniGeo's AbsRel on r = |P| (one least-squares scale and shift per clip on r)
     * @param absRelZ         the same on z
     * @param delta1          share of pixels with max(ratio, 1/ratio) < 1.25 after the r alignment
     * @param pointsRel       {@code points_clip_rel}: one Sim(3) per clip onto the truth, median relative point error
     * @param normalMeanDeg   mean angle between predicted and true normals
     * @param normalMedianDeg median angle
     * @param normalWithin11  share of pixels within 11.25 degrees
     * @param normalWithin22  share within 22.5 degrees
     * @param normalWithin30  share within 30 degrees
     * @param depthPixels     pixels scored by {@code absrel} (over all frames)
     * @param normalPixels    pixels scored by the normal figures
     */
    public record Scores(double absRel, double absRelZ, double delta1, double pointsRel, double normalMeanDeg,
                         double normalMedianDeg, double normalWithin11, double normalWithin22, double normalWithin30,
                         long depthPixels, long normalPixels) {}

    /** The figures, with their names in model-eval.json, in order; {@code higherIsBetter} picks the worst clip. */
    public enum Metric {
        ABSREL("absrel", false, Scores::absRel),
        ABSREL_Z("absrel_z", false, Scores::absRelZ),
        DELTA1("delta1", true, Scores::delta1),
        POINTS_REL("points_rel", false, Scores::pointsRel),
        NORMAL_MEAN_DEG("normal_mean_deg", false, Scores::normalMeanDeg),
        NORMAL_MEDIAN_DEG("normal_median_deg", false, Scores::normalMedianDeg),
        NORMAL_WITHIN_11("normal_within_11", true, Scores::normalWithin11),
        NORMAL_WITHIN_22("normal_within_22", true, Scores::normalWithin22),
        NORMAL_WITHIN_30("normal_within_30", true, Scores::normalWithin30);

        private final String key;
        private final boolean higherIsBetter;
        private final ToDoubleFunction<Scores> value;

        Metric(String key, boolean higherIsBetter, ToDoubleFunction<Scores> value) {
            this.key = key;
            this.higherIsBetter = higherIsBetter;
            this.value = value;
        }

        /** The name in model-eval.json. */
        public String key() {
            return key;
        }

        public boolean higherIsBetter() {
            return higherIsBetter;
        }

        public double of(Scores s) {
            return value.applyAsDouble(s);
        }
    }

    /**
     * Scores one clip.
     *
     * @param width            width of every map
     * @param height           height of every map
     * @param predictedPoints  per frame, interleaved xyz in the clip's first-frame camera (3 * width * height floats)
     * @param predictedNormals per frame, unit normals in the same frame
     * @param truePoints       per frame, the true points in the clip's first-frame camera (NaN where unknown)
     * @param trueNormals      per frame, the true unit normals in the same frame, facing the camera (NaN where unknown)
     * @param trueCentres      per frame, the true camera centre in the clip's first-frame camera (frame 0: the origin)
     * @throws IllegalArgumentException when the frame counts or any map's size differ
     */
    public static Scores score(int width, int height, List<float[]> predictedPoints, List<float[]> predictedNormals,
                               List<float[]> truePoints, List<float[]> trueNormals, List<double[]> trueCentres) {
        int frames = truePoints.size();
        if (predictedPoints.size() != frames || predictedNormals.size() != frames || trueNormals.size() != frames
                || trueCentres.size() != frames) {
            throw new IllegalArgumentException("frame counts differ: predicted points " + predictedPoints.size()
                    + ", predicted normals " + predictedNormals.size() + ", true points " + frames + ", true normals "
                    + trueNormals.size() + ", camera centres " + trueCentres.size());
        }
        if (frames == 0) throw new IllegalArgumentException("a clip needs at least one frame");
        int n = 3 * width * height;
        for (int f = 0; f < frames; f++) {
            requireLength("predicted points", f, predictedPoints.get(f), n, width, height);
            requireLength("predicted normals", f, predictedNormals.get(f), n, width, height);
            requireLength("true points", f, truePoints.get(f), n, width, height);
            requireLength("true normals", f, trueNormals.get(f), n, width, height);
        }
        ClipDepthAccuracy.Clip depth = new ClipDepthAccuracy().addClip(predictedPoints, truePoints);
        WorldPointErrors points = new WorldPointErrors();
        NormalErrors normals = new NormalErrors();
        for (int f = 0; f < frames; f++) {
            points.add(0, width, height, predictedPoints.get(f), truePoints.get(f), trueCentres.get(f));
            normals.add(predictedNormals.get(f), trueNormals.get(f));
        }
        NormalErrors.Result nr = normals.result();
        return new Scores(depth.absRel(), depth.absRelZ(), depth.delta1(), points.medianRelative(), nr.meanDeg(),
                nr.medianDeg(), nr.under11(), nr.under22(), nr.under30(), depth.pixels(), nr.pixels());
    }

    private static void requireLength(String what, int frame, float[] map, int expected, int width, int height) {
        if (map == null || map.length != expected) {
            throw new IllegalArgumentException(what + " of frame " + frame + " have " + (map == null ? "no" : map.length / 3)
                    + " pixels, the clip is " + width + "x" + height + " (" + expected / 3 + " pixels)");
        }
    }

    /**
     * One figure over clips.
     *
     * @param mean   mean over the clips where it is finite
     * @param median median over the same clips
     * @param worst  the worst clip: the largest error, or the smallest share for a higher-is-better figure
     * @param clips  clips where it is finite
     */
    public record Figure(double mean, double median, double worst, int clips) {}

    /** Per {@link Metric}, in order: mean, median and worst clip over {@code clips}. */
    public static Map<Metric, Figure> summarize(List<Scores> clips) {
        Map<Metric, Figure> out = new LinkedHashMap<>();
        for (Metric m : Metric.values()) {
            List<Double> values = new ArrayList<>();
            for (Scores s : clips) {
                double v = m.of(s);
                if (Double.isFinite(v)) values.add(v);
            }
            if (values.isEmpty()) {
                out.put(m, new Figure(Double.NaN, Double.NaN, Double.NaN, 0));
                continue;
            }
            double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(v);
            int n = v.length;
            double mean = Arrays.stream(v).sum() / n;
            double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
            out.put(m, new Figure(mean, median, m.higherIsBetter() ? v[0] : v[n - 1], n));
        }
        return out;
    }
}
