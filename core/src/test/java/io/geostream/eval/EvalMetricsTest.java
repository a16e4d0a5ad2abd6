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
        // Truth: 0..9 on x (path 9), cameras unturned. Estimate: exact for the first 5, then 1 off in y for the last 5.
        int n = 10;
        double[][] t = new double[n][], e = new double[n][];
        RigidTransform[] tp = new RigidTransform[n], ep = new RigidTransform[n];
        for (int i = 0; i < n; i++) {
            t[i] = new double[] {i, 0, 0};
            e[i] = new double[] {i, i >= 5 ? 1 : 0, 0};
            tp[i] = new RigidTransform(Rotations.axisAngle(new double[] {0, 0, 1}, 0), t[i]);
            ep[i] = new RigidTransform(Rotations.axisAngle(new double[] {0, 0, 1}, 0), e[i]);
        }
        // Window 5: both fits on frames 0..4 are the identity (on centres alone the roll about x is free, and the
        // error of the last 5 is |1| whatever the roll), RMSE = 1, over path 9.
        assertThat(TrajectoryErrors.driftOverLength(ep, tp, 5)).isCloseTo(1.0 / 9, within(1e-9));
        assertThat(TrajectoryErrors.driftPositionsOverLength(e, t, 5)).isCloseTo(1.0 / 9, within(1e-9));
        assertThat(TrajectoryErrors.pathLength(t)).isCloseTo(9, within(1e-12));
    }

    @Test
    void driftOfAnUndriftedPathStaysSmallWhenItsFirstWindowIsALine() {
        // The truth walks 2 units along x in its first 100 frames with a centimetre wobble across the line, then 6
        // along y and 4 up z. The estimate is a similarity of it (scale 0.5, turned, moved), exact from frame 100 on;
        // in the first 100 frames its wobble is the truth's turned by 90 deg about the line (what a centimetre of error
        // does there), and each camera's orientation is off by about 0.5 deg at random. On centres alone the first
        // window's fit turns about the line by what the wobble says, and the far end, metres off the line, swings
        // with it; the cameras' axes pin the turn down.
        int n = 400;
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        double[] g = Rotations.axisAngle(new double[] {0.2, 0.9, -0.4}, 0.8);
        double[][] t = new double[n][], e = new double[n][];
        RigidTransform[] tp = new RigidTransform[n], ep = new RigidTransform[n];
        for (int i = 0; i < n; i++) {
            double[] c = i < 100 ? new double[] {0.02 * i, 0.01 * Math.sin(0.3 * i), 0.01 * Math.cos(0.2 * i)}
                    : new double[] {2, 0.02 * (i - 100), 4.0 * (i - 100) / 300};
            double[] seen = i < 100 ? new double[] {0.02 * i, -0.01 * Math.cos(0.2 * i), 0.01 * Math.sin(0.3 * i)} : c;
            double[] r = Rotations.axisAngle(new double[] {0, 0, 1}, 0.004 * i);
            tp[i] = new RigidTransform(r, c);
            t[i] = c;
            double[] q = new double[3];
            for (int k = 0; k < 3; k++) q[k] = 0.5 * (g[3 * k] * seen[0] + g[3 * k + 1] * seen[1] + g[3 * k + 2] * seen[2]) + k;
            e[i] = q;
            double[] off = Rotations.axisAngle(new double[] {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()},
                    Math.toRadians(0.5) * Math.abs(random.nextGaussian()));
            ep[i] = new RigidTransform(Rotations.multiply(Rotations.multiply(g, r), off), q);
        }
        double path = TrajectoryErrors.pathLength(t);
        // numpy, 300 draws of the orientation errors: the poses' fit leaves 7 mm (median), 13.5 mm at most; the centres'
        // fit 8.5 units whatever the draw.
        assertThat(TrajectoryErrors.driftOverLength(ep, tp, 100) * path).isLessThan(0.03);
        assertThat(TrajectoryErrors.driftPositionsOverLength(e, t, 100) * path).isGreaterThan(1);
    }

    @Test
    void driftIsUndefinedWhenTheFirstWindowNeverMoved() {
        // 100 frames turning on the spot (the same centre, far from the origin), then a walk: no length to fit a scale on.
        int n = 200;
        RigidTransform[] tp = new RigidTransform[n];
        for (int i = 0; i < n; i++) {
            double[] c = i < 100 ? new double[] {1.1, 2.3, 3.7} : new double[] {1.1 + 0.01 * (i - 99), 2.3, 3.7};
            tp[i] = new RigidTransform(Rotations.axisAngle(new double[] {0, 1, 0}, 0.01 * i), c);
        }
        assertThat(TrajectoryErrors.driftOverLength(tp, tp, 100)).isNaN();
    }

    @Test
    void driftOnPosesSeesAPathThatTurnsAwayAfterItsFirstWindow() {
        // The estimate follows the truth for 100 frames, then turns: from frame 100 on its steps are rotated by 30 deg
        // about z. Its end lies far from the truth's whatever the alignment of the first 100 frames.
        int n = 300;
        RigidTransform[] tp = new RigidTransform[n], ep = new RigidTransform[n];
        double[] turn = Rotations.axisAngle(new double[] {0, 0, 1}, Math.toRadians(30));
        double[] c = {0, 0, 0}, q = {0, 0, 0};
        double[] up = Rotations.axisAngle(new double[] {0, 0, 1}, 0);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                double[] step = {0.01, 0.002 * Math.sin(0.1 * i), 0.001 * Math.cos(0.07 * i)};
                double[] s = i > 100 ? new double[] {turn[0] * step[0] + turn[1] * step[1] + turn[2] * step[2],
                        turn[3] * step[0] + turn[4] * step[1] + turn[5] * step[2], step[2]} : step;
                for (int k = 0; k < 3; k++) {
                    c[k] += step[k];
                    q[k] += s[k];
                }
            }
            tp[i] = new RigidTransform(up, c.clone());
            ep[i] = new RigidTransform(i > 100 ? turn : up, q.clone());
        }
        // The first window fits exactly; frame i of the last 100 then lies about 2 sin(15 deg) x (i - 100) x 0.01 from
        // the truth (the walked distance since the turn, 1 to 2 units): RMS 2 sin(15 deg) x 1.523 = 0.788.
        double drift = TrajectoryErrors.driftOverLength(ep, tp, 100);
        assertThat(drift * TrajectoryErrors.pathLength(TrajectoryErrors.centres(tp))).isCloseTo(0.788, within(0.002));
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
