package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.geostream.geometry.GeometryTestData.maxAbsDiff;
import static io.geostream.geometry.GeometryTestData.randomRotation;
import static io.geostream.geometry.GeometryTestData.randomSim3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RigidTransformAndSim3Test {

    @Test
    void composeAppliesTheArgumentFirstAndInverseUndoes() {
        Random random = new Random(4);
        RigidTransform a = new RigidTransform(randomRotation(random), new double[] {1, 2, 3});
        RigidTransform b = new RigidTransform(randomRotation(random), new double[] {-4, 0.5, 2});
        double[] x = {0.3, -0.7, 2.2};
        assertThat(maxAbsDiff(a.compose(b).apply(x), a.apply(b.apply(x)))).isLessThan(1e-12);
        assertThat(maxAbsDiff(a.inverse().apply(a.apply(x)), x)).isLessThan(1e-12);
        assertThat(maxAbsDiff(a.compose(a.inverse()).translation(), new double[3])).isLessThan(1e-12);
        assertThat(a.center()).containsExactly(1, 2, 3);
        assertThat(RigidTransform.identity().apply(x)).containsExactly(x);
        RigidTransform fromQ = RigidTransform.fromQuaternion(a.quaternion(), a.translation());
        assertThat(maxAbsDiff(fromQ.rotation(), a.rotation())).isLessThan(1e-12);
    }

    @Test
    void rigidTransformRejectsNonRotations() {
        assertThatThrownBy(() -> new RigidTransform(new double[] {2, 0, 0, 0, 1, 0, 0, 0, 1}, new double[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rotation");
        assertThatThrownBy(() -> new RigidTransform(new double[] {1, 0, 0, 0, 1, 0, 0, 0, -1}, new double[3]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RigidTransform(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new double[] {0, Double.NaN, 0}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sim3ComposeInverseAndApply() {
        Random random = new Random(5);
        Sim3 a = randomSim3(random);
        Sim3 b = randomSim3(random);
        double[] x = {1.5, -2, 0.25};
        assertThat(maxAbsDiff(a.compose(b).apply(x), a.apply(b.apply(x)))).isLessThan(1e-9);
        assertThat(maxAbsDiff(a.inverse().apply(a.apply(x)), x)).isLessThan(1e-9);
        assertThat(a.compose(a.inverse()).scale()).isCloseTo(1, within(1e-12));
        assertThatThrownBy(() -> new Sim3(0, a.rotation(), a.translation())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sim3PointAndVectorArraysKeepHolesAsNan() {
        Random random = new Random(6);
        Sim3 sim = randomSim3(random);
        float[] points = {1, 2, 3, Float.NaN, 0, 0, 4, 5, Float.POSITIVE_INFINITY};
        float[] moved = sim.applyToPoints(points);
        double[] expected = sim.apply(new double[] {1, 2, 3});
        assertThat((double) moved[0]).isCloseTo(expected[0], within(1e-4));
        assertThat((double) moved[2]).isCloseTo(expected[2], within(1e-4));
        for (int i = 3; i < 9; i++) assertThat(moved[i]).isNaN();
        float[] rotated = sim.rotateVectors(new float[] {0, 0, 1, Float.NaN, 0, 0});
        double[] r = sim.rotation();
        assertThat((double) rotated[0]).isCloseTo(r[2], within(1e-6));
        assertThat(rotated[3]).isNaN();
        assertThatThrownBy(() -> sim.applyToPoints(new float[4])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void transformPoseMovesTheCameraWithTheWorld() {
        Random random = new Random(7);
        Sim3 sim = randomSim3(random);
        RigidTransform worldFromCamera = new RigidTransform(randomRotation(random), new double[] {1, -1, 2});
        RigidTransform moved = sim.transformPose(worldFromCamera);
        // A point at depth d in front of the camera lands where the similarity sends the old world point,
        // at depth s*d in the new camera.
        double[] inCamera = {0.2, -0.1, 3};
        double[] oldWorld = worldFromCamera.apply(inCamera);
        double[] newWorld = sim.apply(oldWorld);
        double[] scaled = {inCamera[0] * sim.scale(), inCamera[1] * sim.scale(), inCamera[2] * sim.scale()};
        assertThat(maxAbsDiff(moved.apply(scaled), newWorld)).isLessThan(1e-9);
    }
}
