package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.geostream.geometry.GeometryTestData.maxAbsDiff;
import static io.geostream.geometry.GeometryTestData.randomRotation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RotationsTest {

    @Test
    void quaternionRoundTripsForRandomRotations() {
        Random random = new Random(1);
        for (int i = 0; i < 200; i++) {
            double[] r = randomRotation(random);
            double[] q = Rotations.toQuaternion(r);
            assertThat(q[3]).isGreaterThanOrEqualTo(0);
            assertThat(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).isCloseTo(1, within(1e-12));
            assertThat(maxAbsDiff(Rotations.fromQuaternion(q[0], q[1], q[2], q[3]), r)).isLessThan(1e-12);
        }
    }

    @Test
    void quaternionRoundTripsNearHalfTurnsWhereTheTraceIsNegative() {
        for (double[] axis : new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}, {-1, 2, 3}}) {
            double[] r = Rotations.axisAngle(axis, Math.PI - 1e-7);
            double[] q = Rotations.toQuaternion(r);
            assertThat(maxAbsDiff(Rotations.fromQuaternion(q[0], q[1], q[2], q[3]), r)).isLessThan(1e-12);
        }
    }

    @Test
    void fromQuaternionNormalisesAndFollowsHamiltonConvention() {
        // 90 degrees about z, given with norm 2: maps +x to +y.
        double s = Math.sqrt(0.5) * 2;
        double[] r = Rotations.fromQuaternion(0, 0, s, s);
        assertThat(maxAbsDiff(Rotations.multiply(r, new double[] {1, 0, 0, 0, 0, 0, 0, 0, 0}),
                new double[] {0, 0, 0, 1, 0, 0, 0, 0, 0})).isLessThan(1e-15);
        assertThat(maxAbsDiff(r, Rotations.axisAngle(new double[] {0, 0, 5}, Math.PI / 2))).isLessThan(1e-15);
        assertThatThrownBy(() -> Rotations.fromQuaternion(0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void angleBetweenMeasuresTheRelativeRotation() {
        Random random = new Random(2);
        for (int i = 0; i < 50; i++) {
            double[] base = randomRotation(random);
            double angle = random.nextDouble() * Math.PI;
            double[] other = Rotations.multiply(base, Rotations.axisAngle(new double[] {
                random.nextGaussian(), random.nextGaussian(), random.nextGaussian()}, angle));
            assertThat(Rotations.angleBetweenDeg(base, other)).isCloseTo(Math.toDegrees(angle), within(1e-9));
        }
        assertThat(Rotations.angleBetweenDeg(Rotations.transpose(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}),
                new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1})).isZero();
    }

    @Test
    void orthonormalizeFindsTheNearestProperRotation() {
        Random random = new Random(3);
        double[] r = randomRotation(random);
        double[] noisy = r.clone();
        for (int i = 0; i < 9; i++) noisy[i] += random.nextGaussian() * 1e-3;
        double[] fixed = Rotations.orthonormalize(noisy);
        assertThat(maxAbsDiff(Rotations.multiply(fixed, Rotations.transpose(fixed)),
                new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1})).isLessThan(1e-12);
        assertThat(Rotations.angleBetweenDeg(fixed, r)).isLessThan(0.2);
        // A reflection is turned into a proper rotation (determinant +1), not returned as is.
        double[] reflection = {1, 0, 0, 0, 1, 0, 0, 0, -1};
        double[] proper = Rotations.orthonormalize(reflection);
        assertThat(Mat3.det(proper)).isCloseTo(1, within(1e-12));
    }

    @Test
    void rejectsMalformedMatrices() {
        assertThatThrownBy(() -> Rotations.toQuaternion(new double[8])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rotations.multiply(new double[9], new double[] {0, 0, 0, 0, Double.NaN, 0, 0, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-finite");
        assertThatThrownBy(() -> Rotations.axisAngle(new double[3], 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
