package io.geostream.eval;

import io.geostream.eval.ClipGeometryAccuracy.Figure;
import io.geostream.eval.ClipGeometryAccuracy.Metric;
import io.geostream.eval.ClipGeometryAccuracy.Scores;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.storage.PayloadCodecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The model evaluation's per-clip figures and baselines on constructed cases whose answer is known. */
class ClipGeometryAccuracyTest {
    private static final int W = 40, H = 30, FRAMES = 3;
    private static final CameraIntrinsics K = new CameraIntrinsics(35, 35, 19.5, 14.5, W, H);
    private static final double[] ORIGIN = {0, 0, 0};

    /** A bumpy surface seen by a still camera: depth 2..4 m along each pixel's ray, true normals from the grid. */
    private static float[] bumpyPoints() {
        float[] depth = new float[W * H];
        for (int p = 0; p < W * H; p++) depth[p] = (float) (2 + (p % W) * 0.03 + 0.4 * Math.sin(p / W * 0.3));
        return GeometryBaselines.backProject(K, depth);
    }

    private static List<float[]> frames(float[] map) {
        return Collections.nCopies(FRAMES, map);
    }

    private static List<double[]> stillCamera() {
        return Collections.nCopies(FRAMES, ORIGIN);
    }

    private static Scores score(float[] predictedPoints, float[] predictedNormals, float[] truePoints, float[] trueNormals) {
        return ClipGeometryAccuracy.score(W, H, frames(predictedPoints), frames(predictedNormals), frames(truePoints),
                frames(trueNormals), stillCamera());
    }

    /** Each pixel's point moved along its ray to distance a r + b from the camera. */
    private static float[] alongRays(float[] points, double a, double b) {
        float[] out = new float[points.length];
        for (int p = 0; p < points.length; p += 3) {
            double r = Math.sqrt(points[p] * points[p] + points[p + 1] * points[p + 1] + points[p + 2] * points[p + 2]);
            double k = (a * r + b) / r;
            for (int c = 0; c < 3; c++) out[p + c] = (float) (k * points[p + c]);
        }
        return out;
    }

    @Test
    void aPredictionEqualToTheTruthScaledAndShiftedAlongTheRaysScoresZeroAbsRel() {
        float[] truth = bumpyPoints();
        float[] normals = TumSequence.cameraNormals(truth, W, H);
        Scores s = score(alongRays(truth, 0.3, 0.7), normals, truth, normals);
        assertThat(s.absRel()).isLessThan(1e-6);
        assertThat(s.delta1()).isEqualTo(1.0);
        assertThat(s.depthPixels()).isEqualTo((long) FRAMES * W * H);
        assertThat(s.normalMeanDeg()).isLessThan(0.01);
        assertThat(s.normalWithin11()).isEqualTo(1.0);
        // The shift is along r, not z: z and the point cloud's shape do not line up by a similarity, and it shows.
        assertThat(s.absRelZ()).isGreaterThan(1e-3);
        assertThat(s.pointsRel()).isGreaterThan(1e-3);
    }

    @Test
    void aSimilarityOfTheTruthScoresZeroEverywhere() {
        float[] truth = bumpyPoints();
        float[] normals = TumSequence.cameraNormals(truth, W, H);
        Scores s = score(new Sim3(2.5, new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new double[] {0, 0, 0}).applyToPoints(truth), normals, truth, normals);
        assertThat(s.absRel()).isLessThan(1e-6);
        assertThat(s.absRelZ()).isLessThan(1e-6);
        assertThat(s.pointsRel()).isLessThan(1e-5);
        // points_rel aligns a full Sim(3), the depth figures do not: a rotated copy scores 0 there only.
        Sim3 turned = new Sim3(0.5, Rotations.axisAngle(new double[] {1, 2, 3}, 0.4), new double[] {1, -2, 0.5});
        Scores r = score(turned.applyToPoints(truth), normals, truth, normals);
        assertThat(r.pointsRel()).isLessThan(1e-5);
        assertThat(r.absRel()).isGreaterThan(0.01);
    }

    /**
     * r_true 1, 1, 2, 2 and r_pred 1.5, 0.5, 2.5, 1.5 (every pixel, repeating): the fit is s = 0.5, b = 0.75, so the
     * aligned values are 1.5, 1, 2, 1.5: AbsRel (0.5 + 0 + 0 + 0.25) / 4 = 0.1875 and delta1 = 2 / 4. All points
     * lie on one ray direction with z = 0.8 r, so AbsRel on z is the same.
     */
    @Test
    void aKnownPerturbationGivesItsKnownValue() {
        double[] trueR = {1, 1, 2, 2}, predR = {1.5, 0.5, 2.5, 1.5};
        double[] direction = {0.6, 0, 0.8};
        float[] truth = new float[3 * W * H], predicted = new float[3 * W * H];
        for (int p = 0; p < W * H; p++) {
            for (int c = 0; c < 3; c++) {
                truth[3 * p + c] = (float) (trueR[p % 4] * direction[c]);
                predicted[3 * p + c] = (float) (predR[p % 4] * direction[c]);
            }
        }
        // Normals: true (0, 0, -1), predicted turned by 10, 20, 25 and 40 degrees.
        double[] angles = {10, 20, 25, 40};
        float[] trueNormals = new float[3 * W * H], predictedNormals = new float[3 * W * H];
        for (int p = 0; p < W * H; p++) {
            double a = Math.toRadians(angles[p % 4]);
            trueNormals[3 * p + 2] = -1;
            predictedNormals[3 * p] = (float) Math.sin(a);
            predictedNormals[3 * p + 2] = (float) -Math.cos(a);
        }
        Scores s = score(predicted, predictedNormals, truth, trueNormals);
        assertThat(s.absRel()).isCloseTo(0.1875, within(1e-6));
        assertThat(s.absRelZ()).isCloseTo(0.1875, within(1e-6));
        assertThat(s.delta1()).isEqualTo(0.5);
        assertThat(s.normalMeanDeg()).isCloseTo(23.75, within(1e-3));
        assertThat(s.normalMedianDeg()).isCloseTo(22.5, within(1e-3));
        assertThat(s.normalWithin11()).isEqualTo(0.25);
        assertThat(s.normalWithin22()).isEqualTo(0.5);
        assertThat(s.normalWithin30()).isEqualTo(0.75);
    }

    @Test
    void pixelsWithoutTruthAreLeftOutAndSizesMustMatch() {
        float[] truth = bumpyPoints();
        float[] normals = TumSequence.cameraNormals(truth, W, H);
        float[] holes = truth.clone(), wrong = alongRays(truth, 1, 0);
        for (int p = 0; p < W * H; p += 2) {
            holes[3 * p] = holes[3 * p + 1] = holes[3 * p + 2] = Float.NaN;
            for (int c = 0; c < 3; c++) wrong[3 * p + c] *= 3; // wrong only where there is no truth
        }
        Scores s = score(wrong, normals, holes, normals);
        assertThat(s.depthPixels()).isEqualTo((long) FRAMES * W * H / 2);
        assertThat(s.absRel()).isLessThan(1e-6);
        assertThatThrownBy(() -> ClipGeometryAccuracy.score(W, H, frames(new float[3 * 20 * 15]), frames(normals),
                frames(truth), frames(normals), stillCamera()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("predicted points of frame 0");
        assertThatThrownBy(() -> ClipGeometryAccuracy.score(W, H, List.of(truth), frames(normals), frames(truth),
                frames(normals), stillCamera())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frame counts");
    }

    @Test
    void thePlaneBaselineScoresZeroOnAFrontoParallelWallButNotOnATiltedOne() {
        float[] wallDepth = new float[W * H];
        java.util.Arrays.fill(wallDepth, 3f);
        float[] wall = GeometryBaselines.backProject(K, wallDepth);
        float[] facing = GeometryBaselines.plane(K).normals();
        Scores s = score(GeometryBaselines.plane(K).points(), facing, wall, TumSequence.cameraNormals(wall, W, H));
        assertThat(s.absRel()).isLessThan(1e-6);
        assertThat(s.absRelZ()).isLessThan(1e-6);
        assertThat(s.delta1()).isEqualTo(1.0);
        assertThat(s.pointsRel()).isLessThan(1e-5);
        assertThat(s.normalMeanDeg()).isLessThan(0.01); // the wall's normal faces the camera: (0, 0, -1)

        float[] tiltedDepth = new float[W * H];
        for (int p = 0; p < W * H; p++) tiltedDepth[p] = (float) (3 / (1 + 0.4 * (p % W - 19.5) / 35)); // the plane z = 3 - 0.4 x
        float[] tilted = GeometryBaselines.backProject(K, tiltedDepth);
        Scores t = score(GeometryBaselines.plane(K).points(), facing, tilted, TumSequence.cameraNormals(tilted, W, H));
        assertThat(t.absRel()).isGreaterThan(0.02);
        assertThat(t.normalMedianDeg()).isCloseTo(Math.toDegrees(Math.atan(0.4)), within(0.5));
    }

    @Test
    void theMeanMapBaselineReadsItsFilesAndBackProjectsWithTheClipsIntrinsics(@TempDir Path pkg) throws Exception {
        assertThat(GeometryBaselines.MeanMaps.read(pkg)).isNull();
        Path dir = Files.createDirectories(pkg.resolve(GeometryBaselines.MEAN_DIR));
        float[] depth = new float[W * H];
        java.util.Arrays.fill(depth, 0.25f); // any scale
        float[] normals = GeometryBaselines.plane(K).normals();
        Files.write(dir.resolve(GeometryBaselines.MEAN_DEPTH), PayloadCodecs.npyFloat32(depth, H, W));
        assertThatThrownBy(() -> GeometryBaselines.MeanMaps.read(pkg)).hasMessageContaining("normals.npy is missing");
        Files.write(dir.resolve(GeometryBaselines.MEAN_NORMALS), PayloadCodecs.npyFloat32(normals, H * W, 3));
        assertThatThrownBy(() -> GeometryBaselines.MeanMaps.read(pkg)).hasMessageContaining("expected [30, 40, 3]");
        Files.write(dir.resolve(GeometryBaselines.MEAN_NORMALS), PayloadCodecs.npyFloat32(normals, H, W, 3));
        GeometryBaselines.MeanMaps mean = GeometryBaselines.MeanMaps.read(pkg);
        assertThat(mean.width()).isEqualTo(W);
        assertThat(mean.height()).isEqualTo(H);
        GeometryBaselines.Prediction p = mean.prediction(K);
        assertThat(p.points()).containsExactly(GeometryBaselines.backProject(K, depth));
        float[] wall = alongRays(GeometryBaselines.plane(K).points(), 1, 0);
        for (int i = 0; i < wall.length; i++) wall[i] *= 4;
        assertThat(score(p.points(), p.normals(), wall, normals).absRel()).isLessThan(1e-6);
        assertThatThrownBy(() -> mean.prediction(new CameraIntrinsics(35, 35, 9.5, 7.5, 20, 15)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("40x30 but the clips are 20x15");
    }

    @Test
    void summariesTakeTheMeanMedianAndWorstClipOverTheClipsWhereAFigureIsFinite() {
        List<Scores> clips = List.of(
                new Scores(0.1, 0.2, 0.9, 0.05, 10, 8, 0.6, 0.8, 0.9, 100, 100),
                new Scores(0.3, 0.2, 0.7, Double.NaN, 20, 9, 0.4, 0.7, 0.8, 100, 100),
                new Scores(0.2, 0.2, 0.8, 0.07, 30, 10, 0.5, 0.6, 0.7, 100, 100));
        Map<Metric, Figure> s = ClipGeometryAccuracy.summarize(clips);
        assertThat(s.keySet()).containsExactly(Metric.values());
        assertThat(s.get(Metric.ABSREL).mean()).isCloseTo(0.2, within(1e-12));
        assertThat(s.get(Metric.ABSREL).median()).isCloseTo(0.2, within(1e-12));
        assertThat(s.get(Metric.ABSREL).worst()).isEqualTo(0.3);
        assertThat(s.get(Metric.DELTA1).worst()).isEqualTo(0.7); // higher is better: the worst clip has the least
        assertThat(s.get(Metric.NORMAL_WITHIN_11).worst()).isEqualTo(0.4);
        assertThat(s.get(Metric.NORMAL_MEAN_DEG).worst()).isEqualTo(30);
        assertThat(s.get(Metric.POINTS_REL).clips()).isEqualTo(2);
        assertThat(s.get(Metric.POINTS_REL).mean()).isCloseTo(0.06, within(1e-12));
        assertThat(s.get(Metric.POINTS_REL).median()).isCloseTo(0.06, within(1e-12));
        assertThat(s.get(Metric.ABSREL).clips()).isEqualTo(3);
    }
}
