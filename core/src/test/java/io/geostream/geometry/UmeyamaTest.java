package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.geostream.geometry.GeometryTestData.maxAbsDiff;
import static io.geostream.geometry.GeometryTestData.randomPoints;
import static io.geostream.geometry.GeometryTestData.randomSim3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class UmeyamaTest {

    private static double[][] transform(Sim3 sim, double[][] points) {
        double[][] out = new double[points.length][];
        for (int i = 0; i < points.length; i++) out[i] = sim.apply(points[i]);
        return out;
    }

    private static void assertSameSim(Sim3 actual, Sim3 expected) {
        assertThat(actual.scale()).isCloseTo(expected.scale(), within(1e-9));
        assertThat(maxAbsDiff(actual.rotation(), expected.rotation())).isLessThan(1e-9);
        assertThat(maxAbsDiff(actual.translation(), expected.translation())).isLessThan(1e-9);
    }

    @Test
    void recoversARandomSimilarityExactly() {
        Random random = new Random(10);
        for (int trial = 0; trial < 20; trial++) {
            Sim3 truth = randomSim3(random);
            double[][] src = randomPoints(random, 3 + trial * 5, 2);
            double[][] dst = transform(truth, src);
            Sim3 fit = Umeyama.fit(src, dst, null);
            assertSameSim(fit, truth);
            assertThat(Umeyama.rmsResidual(fit, src, dst)).isLessThan(1e-9);
        }
    }

    @Test
    void weightsRecoverExactlyAndZeroWeightsIgnoreCorruptedPoints() {
        Random random = new Random(11);
        Sim3 truth = randomSim3(random);
        double[][] src = randomPoints(random, 40, 1.5);
        double[][] dst = transform(truth, src);
        double[] weights = new double[40];
        for (int i = 0; i < 40; i++) weights[i] = 0.1 + random.nextDouble();
        assertSameSim(Umeyama.fit(src, dst, weights), truth);
        for (int i = 0; i < 10; i++) {
            dst[i][0] += 50;
            weights[i] = 0;
        }
        assertSameSim(Umeyama.fit(src, dst, weights), truth);
        assertThat(Umeyama.fit(src, dst, null).scale()).isNotCloseTo(truth.scale(), within(1e-3));
    }

    @Test
    void rigidModeKeepsUnitScale() {
        Random random = new Random(12);
        Sim3 rigid = new Sim3(1, GeometryTestData.randomRotation(random), new double[] {1, 2, 3});
        double[][] src = randomPoints(random, 10, 1);
        assertSameSim(Umeyama.fit(src, transform(rigid, src), null, false), rigid);
    }

    @Test
    void reflectedDataStillGivesAProperRotation() {
        Random random = new Random(13);
        double[][] src = randomPoints(random, 20, 1);
        double[][] dst = new double[20][];
        for (int i = 0; i < 20; i++) dst[i] = new double[] {src[i][0], src[i][1], -src[i][2]};
        Sim3 fit = Umeyama.fit(src, dst, null);
        assertThat(Mat3.det(fit.rotation())).isCloseTo(1, within(1e-12));
    }

    @Test
    void floatVariantSkipsHolesAndMatchesTheExactFit() {
        Random random = new Random(14);
        Sim3 truth = randomSim3(random);
        double[][] src = randomPoints(random, 30, 1);
        float[] s = new float[90];
        float[] d = new float[90];
        for (int i = 0; i < 30; i++) {
            double[] q = truth.apply(src[i]);
            for (int k = 0; k < 3; k++) {
                s[3 * i + k] = (float) src[i][k];
                d[3 * i + k] = (float) q[k];
            }
        }
        s[0] = Float.NaN;
        d[5] = Float.POSITIVE_INFINITY;
        Sim3 fit = Umeyama.fit(s, d, null, true);
        assertThat(fit.scale()).isCloseTo(truth.scale(), within(1e-5 * truth.scale()));
        assertThat(Rotations.angleBetweenDeg(fit.rotation(), truth.rotation())).isLessThan(1e-3);
    }

    @Test
    void rejectsDegenerateAndMalformedInput() {
        double[][] three = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
        assertThatThrownBy(() -> Umeyama.fit(new double[][] {{0, 0, 0}, {1, 0, 0}}, new double[][] {{0, 0, 0}, {1, 0, 0}}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 3");
        assertThatThrownBy(() -> Umeyama.fit(three, new double[][] {{0, 0, 0}, {1, 0, 0}}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dst has 2");
        assertThatThrownBy(() -> Umeyama.fit(three, new double[][] {{0, 0, 0}, {1, Double.NaN, 0}, {0, 1, 0}}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not finite");
        double[][] collinear = {{0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {3, 3, 3}};
        assertThatThrownBy(() -> Umeyama.fit(collinear, collinear, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("collinear");
        double[][] same = {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}};
        assertThatThrownBy(() -> Umeyama.fit(same, three, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("coincide");
        assertThatThrownBy(() -> Umeyama.fit(three, three, new double[] {1, -1, 1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight 1");
        assertThatThrownBy(() -> Umeyama.fit(three, three, new double[] {1, 0, 1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive weights");
    }

    /**
     * Two noisy predictions of the same points (as two clips predict a shared frame): the least-squares scale regresses
     * one on the other and comes out low by about 1 / (1 + noise variance / spread variance), which chained from clip
     * to clip shrinks a whole path; the spread ratio does not.
     */
    @Test
    void theSpreadRatioIsUnbiasedWhereTheLeastSquaresScaleOfTwoNoisyCopiesIsLow() {
        Random random = new Random(11);
        double trueScale = 1.7, noise = 0.25; // 25 % of the unit spread on each side, in each side's own units
        int n = 4000;
        float[] src = new float[3 * n], dst = new float[3 * n];
        double[] rotation = Rotations.axisAngle(new double[] {0.3, -0.8, 0.5}, 0.7);
        for (int i = 0; i < n; i++) {
            double[] p = {random.nextGaussian(), random.nextGaussian(), 3 + random.nextGaussian()};
            double[] q = Mat3.mulVec(rotation, p);
            for (int k = 0; k < 3; k++) {
                src[3 * i + k] = (float) (p[k] + noise * random.nextGaussian());
                dst[3 * i + k] = (float) (trueScale * (q[k] + noise * random.nextGaussian()) + 5);
            }
        }
        double leastSquares = Umeyama.fit(src, dst, null, true).scale();
        double symmetric = Umeyama.spreadRatio(src, dst, null);
        assertThat(leastSquares / trueScale).isLessThan(0.96); // 1 / (1 + 0.0625) = 0.94
        assertThat(symmetric / trueScale).isCloseTo(1, within(0.01));
    }

    @Test
    void theSpreadRatioSkipsHolesAndZeroWeightsAndSaysNaNWithoutSpread() {
        float[] src = {0, 0, 0, 1, 0, 0, 0, 1, 0, Float.NaN, 0, 0, 9, 9, 9};
        float[] dst = {0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, -9, 4, 1};
        assertThat(Umeyama.spreadRatio(src, dst, new float[] {1, 1, 1, 1, 0})).isCloseTo(2, within(1e-6));
        assertThat(Umeyama.spreadRatio(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, new float[] {0, 0, 0, 1, 0, 0, 0, 1, 0}, null))
                .isNaN();
        // Coincident points away from the origin: rounding leaves a tiny positive variance, still no spread.
        float[] same = new float[300], spreadOut = new float[300];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 100; i++) {
            same[3 * i] = 0.1f; same[3 * i + 1] = 123.457f; same[3 * i + 2] = -7.3f;
            for (int k = 0; k < 3; k++) spreadOut[3 * i + k] = (float) random.nextGaussian();
        }
        assertThat(Umeyama.spreadRatio(same, spreadOut, null)).isNaN();
        assertThat(Umeyama.spreadRatio(spreadOut, same, null)).isNaN();
        assertThatThrownBy(() -> Umeyama.spreadRatio(new float[3], new float[6], null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
