package io.geostream.eval;

import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The metric definitions against values computed by hand. */
class EvalMetricsTest {

    @Test
    void driftAlignsOnTheFirstWindowOnlyAndScoresTheLast() {
        // Truth: 0..9 on x (path 9). Estimate: exact for the first 5, then 1 off in y for the last 5.
        int n = 10;
        double[][] t = new double[n][], e = new double[n][];
        for (int i = 0; i < n; i++) {
            t[i] = new double[] {i, 0, 0};
            e[i] = new double[] {i, i >= 5 ? 1 : 0, 0};
        }
        // Window 5: the fit on frames 0..4 is the identity (collinear: any roll about x is free, the error
        // of the last 5 is |1| whatever the roll), RMSE = 1, over path 9.
        assertThat(TrajectoryErrors.driftOverLength(e, t, 5)).isCloseTo(1.0 / 9, within(1e-9));
        assertThat(TrajectoryErrors.pathLength(t)).isCloseTo(9, within(1e-12));
    }

    @Test
    void ateIsInvariantToASimilarityOfTheEstimate() {
        double[][] t = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 1}};
        double[][] e = new double[4][];
        double[] r = Rotations.axisAngle(new double[] {0, 0, 1}, 0.7);
        for (int i = 0; i < 4; i++) {
            double[] p = t[i];
            e[i] = new double[] {3 * (r[0] * p[0] + r[1] * p[1] + r[2] * p[2]) + 5, 3 * (r[3] * p[0] + r[4] * p[1] + r[5] * p[2]),
                    3 * (r[6] * p[0] + r[7] * p[1] + r[8] * p[2]) - 2};
        }
        assertThat(TrajectoryErrors.ate(e, t).rmse()).isLessThan(1e-9);
    }

    @Test
    void rpeMeasuresTheOneFrameMotionError() {
        // Truth moves 1 along x per frame without turning; the estimate has the same centres but turns 2
        // degrees about z per frame, so each relative motion is off by 2 degrees, and step i's translation,
        // seen from camera i (turned 2i degrees), is off by |R(-2i deg) x - x| = 2 sin(i deg).
        int n = 5;
        RigidTransform[] t = new RigidTransform[n], e = new RigidTransform[n];
        for (int i = 0; i < n; i++) {
            t[i] = new RigidTransform(Rotations.axisAngle(new double[] {0, 0, 1}, 0), new double[] {i, 0, 0});
            e[i] = new RigidTransform(Rotations.axisAngle(new double[] {0, 0, 1}, Math.toRadians(2 * i)), new double[] {i, 0, 0});
        }
        TrajectoryErrors.Rpe rpe = TrajectoryErrors.rpe(e, t);
        assertThat(rpe.rotationMeanDeg()).isCloseTo(2, within(1e-6));
        double sum = 0;
        for (int i = 0; i < n - 1; i++) sum += Math.pow(2 * Math.sin(Math.toRadians(i)), 2);
        assertThat(rpe.translationRmse()).isCloseTo(Math.sqrt(sum / (n - 1)), within(1e-6));
    }

    @Test
    void absRelUsesOneScaleGloballyOrPerClip() {
        DepthErrors d = new DepthErrors();
        // Clip 1 is exact up to scale 2, clip 2 up to scale 4.
        d.add(1, new float[] {1, 2}, new float[] {2, 4});
        d.add(2, new float[] {1, Float.NaN}, new float[] {4, 1});
        // Per clip: scales 2 and 4 are exact.
        assertThat(d.perClip().absRel()).isCloseTo(0, within(1e-12));
        assertThat(d.perClip().pixels()).isEqualTo(3);
        // Global LS scale: sum(e t) / sum(e^2) = (2 + 8 + 4) / (1 + 4 + 1) = 14/6.
        double s = 14.0 / 6;
        double expected = (Math.abs(s - 2) / 2 + Math.abs(2 * s - 4) / 4 + Math.abs(s - 4) / 4) / 3;
        assertThat(d.global().absRel()).isCloseTo(expected, within(1e-12));
        // delta1: s/2 = 1.17 and 2s/4 = 1.17 pass; 4/s = 1.71 fails.
        assertThat(d.global().delta1()).isCloseTo(2.0 / 3, within(1e-12));
    }

    @Test
    void normalStatisticsCountAnglesUnderTheThresholds() {
        NormalErrors n = new NormalErrors();
        float[] truth = new float[12];
        float[] est = new float[12];
        double[] angles = {0, 10, 20, 40};
        for (int i = 0; i < 4; i++) {
            truth[3 * i + 2] = 1;
            est[3 * i] = (float) Math.sin(Math.toRadians(angles[i]));
            est[3 * i + 2] = (float) Math.cos(Math.toRadians(angles[i]));
        }
        n.add(est, truth);
        NormalErrors.Result r = n.result();
        assertThat(r.meanDeg()).isCloseTo(17.5, within(1e-4));
        assertThat(r.medianDeg()).isCloseTo(15, within(1e-4));
        assertThat(r.under11()).isEqualTo(0.5);
        assertThat(r.under22()).isEqualTo(0.75);
        assertThat(r.under30()).isEqualTo(0.75);
    }

    @Test
    void tumLinesAreTimestampTranslationQuaternionXyzw() throws Exception {
        StringWriter w = new StringWriter();
        RigidTransform pose = new RigidTransform(Rotations.axisAngle(new double[] {0, 0, 1}, Math.PI / 2), new double[] {1, 2, 3});
        TumTrajectory.write(w, new double[] {12.5}, new RigidTransform[] {pose});
        String[] line = w.toString().split("\n")[1].split(" ");
        assertThat(line).hasSize(8);
        assertThat(Double.parseDouble(line[0])).isEqualTo(12.5);
        assertThat(Double.parseDouble(line[3])).isEqualTo(3.0);
        double h = Math.sqrt(0.5);
        assertThat(Double.parseDouble(line[6])).isCloseTo(h, within(1e-8)); // qz
        assertThat(Double.parseDouble(line[7])).isCloseTo(h, within(1e-8)); // qw
    }
}
