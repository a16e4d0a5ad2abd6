package io.geostream.eval;

import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TumTrajectoryTest {

    /**
     * Rotation matrices (each branch of the matrix-to-quaternion conversion: trace > 0, and near-half-turns about x, y and
     * z where the trace is negative) go to a TUM file and back: the same matrix to the file's nine decimals, a unit
     * quaternion with w >= 0, the capture time to the microsecond.
     */
    @Test
    void rotationMatricesRoundTripThroughTheQuaternionsOfTheFile(@TempDir Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        List<double[]> rotations = new ArrayList<>();
        rotations.add(Rotations.axisAngle(new double[] {1, 0, 0}, Math.PI - 0.01));
        rotations.add(Rotations.axisAngle(new double[] {0, 1, 0}, Math.PI - 0.02));
        rotations.add(Rotations.axisAngle(new double[] {0, 0, 1}, Math.PI));
        rotations.add(Rotations.axisAngle(new double[] {1, 1, 0}, -Math.PI + 0.03));
        for (int i = 0; i < 200; i++) {
            rotations.add(Rotations.axisAngle(new double[] {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()},
                    random.nextDouble(-Math.PI, Math.PI)));
        }
        int n = rotations.size();
        RigidTransform[] poses = new RigidTransform[n];
        long[] micros = new long[n];
        for (int i = 0; i < n; i++) {
            poses[i] = new RigidTransform(rotations.get(i), new double[] {random.nextDouble(-50, 50), random.nextDouble(-5, 5), i * 0.25});
            micros[i] = 1_767_225_600_000_001L + i * 33_333L; // seconds since the epoch do not fit a double to the microsecond
        }
        Path file = dir.resolve("trajectory.tum");
        StringWriter text = new StringWriter();
        TumTrajectory.write(text, micros, poses);
        Files.writeString(file, text.toString());

        List<String> lines = Files.readAllLines(file);
        assertThat(lines.get(0)).isEqualTo(TumTrajectory.HEADER.strip());
        assertThat(lines).hasSize(n + 1);
        assertThat(lines.get(1)).startsWith("1767225600.000001 ");
        for (String line : lines.subList(1, n + 1)) {
            String[] f = line.split(" ");
            assertThat(f).as(line).hasSize(8);
            double qx = Double.parseDouble(f[4]), qy = Double.parseDouble(f[5]), qz = Double.parseDouble(f[6]), qw = Double.parseDouble(f[7]);
            assertThat(Math.sqrt(qx * qx + qy * qy + qz * qz + qw * qw)).as(line).isCloseTo(1, within(1e-8));
            assertThat(qw).as("w >= 0: " + line).isGreaterThanOrEqualTo(0);
        }

        List<TumTrajectory.Entry> back = TumTrajectory.read(file);
        assertThat(back).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(back.get(i).timestampMicros()).isEqualTo(micros[i]);
            double[] r = back.get(i).worldFromCamera().rotation(), expected = poses[i].rotation();
            for (int k = 0; k < 9; k++) assertThat(r[k]).as("R[%d] of pose %d", k, i).isCloseTo(expected[k], within(1e-8));
            double[] t = back.get(i).worldFromCamera().translation(), te = poses[i].translation();
            for (int k = 0; k < 3; k++) assertThat(t[k]).isCloseTo(te[k], within(1e-9));
        }
    }

    @Test
    void aQuarterTurnAboutZIsTheTextbookQuaternion() throws Exception {
        StringWriter text = new StringWriter();
        TumTrajectory.write(text, new long[] {-1_500_000L},
                new RigidTransform[] {new RigidTransform(new double[] {0, -1, 0, 1, 0, 0, 0, 0, 1}, new double[] {1, 2, 3})});
        assertThat(text.toString()).isEqualTo(TumTrajectory.HEADER
                + "-1.500000 1.000000000 2.000000000 3.000000000 0.000000000 0.000000000 0.707106781 0.707106781\n");
    }

    @Test
    void readingRejectsARowThatIsNotAPose(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.tum");
        Files.writeString(file, "# header\n\n1.0 0 0 0 0 0 0 1\n2.0 0 0 0 0 0 1\n");
        assertThatThrownBy(() -> TumTrajectory.read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 4").hasMessageContaining("8 columns");
        Files.writeString(file, "1.0 0 0 0 0 0 0 0\n");
        assertThatThrownBy(() -> TumTrajectory.read(file)).hasMessageContaining("line 1");
    }
}
