package io.geostream.eval;

import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.TrajectoryMetrics;
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
 * ATE against an independent implementation: scripts/check_ate.py (numpy) reads the TUM files our
 * writer produced. Skipped without python3 + numpy, except under CI (CI set), where it fails instead.
 */
class AteCrossCheckTest {

    @Test
    void ateMatchesTheNumpyImplementationOnTheTumFiles(@TempDir Path dir) throws Exception {
        NumpyPython.require("the numpy ATE cross-check");
        Path python = NumpyPython.PYTHON;
        // A wobbly truth and an estimate in another similarity gauge with noise.
        SplittableRandom random = new SplittableRandom(42);
        int n = 200;
        RigidTransform[] truth = new RigidTransform[n], est = new RigidTransform[n];
        double[][] tp = new double[n][], ep = new double[n][];
        double[] times = new double[n];
        double[] g = Rotations.axisAngle(new double[] {0.3, -0.5, 0.8}, 1.1);
        for (int i = 0; i < n; i++) {
            double a = i * 0.03;
            double[] c = {3 * Math.cos(a), 2 * Math.sin(a), 0.3 * Math.sin(3 * a)};
            truth[i] = new RigidTransform(Rotations.axisAngle(new double[] {0, 0, 1}, a), c);
            double[] noisy = {c[0] + 0.05 * random.nextGaussian(), c[1] + 0.05 * random.nextGaussian(), c[2] + 0.05 * random.nextGaussian()};
            double[] e = new double[3];
            for (int r = 0; r < 3; r++) e[r] = 0.4 * (g[3 * r] * noisy[0] + g[3 * r + 1] * noisy[1] + g[3 * r + 2] * noisy[2]) + r;
            est[i] = new RigidTransform(Rotations.multiply(g, truth[i].rotation()), e);
            tp[i] = c;
            ep[i] = e;
            times[i] = 1_700_000_000 + i / 30.0;
        }
        Path estFile = dir.resolve("est.tum"), truthFile = dir.resolve("truth.tum");
        try (Writer w = Files.newBufferedWriter(estFile)) {
            TumTrajectory.write(w, times, est);
        }
        try (Writer w = Files.newBufferedWriter(truthFile)) {
            TumTrajectory.write(w, times, truth);
        }
        Path script = RepoFiles.root().resolve("scripts/check_ate.py");
        Process p = new ProcessBuilder(python.toString(), script.toString(), estFile.toString(), truthFile.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        String[] fields = output.split("\\s+");
        TrajectoryMetrics.AteResult ours = TrajectoryErrors.ate(ep, tp);
        assertThat(ours.rmse()).isGreaterThan(0.03); // the noise is there: the check compares real numbers
        // TUM files carry 9 decimals; the fit itself agrees to rounding.
        assertThat(Double.parseDouble(fields[0])).isCloseTo(ours.rmse(), within(1e-6));
        assertThat(Double.parseDouble(fields[1])).isCloseTo(ours.pathLength(), within(1e-6));
        assertThat(Double.parseDouble(fields[3])).isCloseTo(ours.alignment().scale(), within(1e-6));
    }
}
