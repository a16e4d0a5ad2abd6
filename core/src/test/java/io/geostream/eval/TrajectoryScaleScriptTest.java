package io.geostream.eval;

import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.testing.NumpyPython;
import io.geostream.testing.RepoFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * scripts/trajectory_scale.py on TUM files our writer produced: a path whose scale shrinks to half along it reads as that
 * trend between its first and last windows, one in a constant (other) scale as 1. Skipped without python3 + numpy, except under CI.
 */
class TrajectoryScaleScriptTest {

    @Test
    void aShrinkingPathReadsAsItsTrendAndItsDriftAsTheJavaCodeHasIt(@TempDir Path dir) throws Exception {
        NumpyPython.require("the trajectory_scale.py check");
        // 1,200 frames: 11 windows of 100 steps, whose centres lie 1,000 frames apart: 0.5^(1000 / 1199) from first to last.
        assertThat(trend(dir, "shrinking", 0.5)).isCloseTo(Math.pow(0.5, 1000.0 / 1199), within(0.02));
        assertThat(trend(dir, "steady", 1.0)).isCloseTo(1.0, within(0.02));
    }

    /**
     * Writes a wobbly loop (truth) and an estimate whose local scale goes from 3 to 3 x endScale, in another rotation
     * and origin, runs the script, checks both its drift figures against {@link TrajectoryErrors#driftOverLength} and
     * {@link TrajectoryErrors#driftPositionsOverLength}, and
     * returns its trend_scale.
     */
    private static double trend(Path dir, String method, double endScale) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        int n = 1200;
        RigidTransform[] truth = new RigidTransform[n], est = new RigidTransform[n];
        double[] times = new double[n];
        double[] e = {0, 0, 0};
        double[] previous = null;
        double[][] tp = new double[n][], ep = new double[n][];
        double[] g = Rotations.axisAngle(new double[] {0.3, -0.5, 0.8}, 1.1);
        for (int i = 0; i < n; i++) {
            double a = i * 0.01;
            double[] c = {3 * Math.cos(a), 2 * Math.sin(2 * a), 0.3 * Math.sin(3 * a)};
            double scale = 3 * Math.pow(endScale, i / (n - 1.0));
            if (previous != null) {
                for (int k = 0; k < 3; k++) e[k] += scale * (c[k] - previous[k]) + 1e-4 * random.nextGaussian();
            }
            previous = c;
            truth[i] = new RigidTransform(Rotations.axisAngle(new double[] {0, 0, 1}, a), c);
            double[] gauged = new double[3];
            for (int r = 0; r < 3; r++) gauged[r] = g[3 * r] * e[0] + g[3 * r + 1] * e[1] + g[3 * r + 2] * e[2] + r + 1;
            est[i] = new RigidTransform(Rotations.multiply(g, truth[i].rotation()), gauged);
            tp[i] = c;
            ep[i] = gauged;
            times[i] = 1_700_000_000 + i / 30.0;
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve(method + "-seed1.tum"))) {
            TumTrajectory.write(w, times, est);
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve("truth-seed1.tum"))) {
            TumTrajectory.write(w, times, truth);
        }
        Path script = RepoFiles.root().resolve("scripts/trajectory_scale.py");
        Process p = new ProcessBuilder(NumpyPython.PYTHON.toString(), script.toString(), dir.toString(), method, "1").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err).isZero();
        java.util.regex.Matcher drift = java.util.regex.Pattern.compile(" drift_over_length (\\S+)").matcher(err);
        assertThat(drift.find()).as(err).isTrue();
        double inJava = TrajectoryErrors.driftOverLength(est, truth, 100);
        if (endScale != 1) assertThat(inJava).isGreaterThan(1e-3); // it does drift: the comparison is of real numbers
        assertThat(Double.parseDouble(drift.group(1))).isCloseTo(inJava, within(2e-6)); // the script prints 6 decimals
        java.util.regex.Matcher centres = java.util.regex.Pattern.compile("drift_positions_over_length (\\S+)").matcher(err);
        assertThat(centres.find()).as(err).isTrue();
        double javaCentres = TrajectoryErrors.driftPositionsOverLength(ep, tp, 100);
        assertThat(Double.parseDouble(centres.group(1))).isCloseTo(javaCentres, within(2e-6));
        String last = out.lines().reduce((x, y) -> y).orElseThrow();
        assertThat(last).as(err).startsWith("trend_scale=").endsWith(" seeds=1");
        return Double.parseDouble(last.substring("trend_scale=".length(), last.indexOf(' ')));
    }
}
