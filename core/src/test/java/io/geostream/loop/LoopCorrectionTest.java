package io.geostream.loop;

import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoopCorrectionTest {

    private static final Sim3 A = Sim3.identity();
    private static final Sim3 B = new Sim3(2, Rotations.axisAngle(new double[] {0, 0, 1}, 0.3), new double[] {1, 0, 0});
    private static final LoopCorrection C = new LoopCorrection(0, 5, 1, 20, 0, 30, new long[] {0, 10}, List.of(A, B));

    @Test
    void keyframesGetTheirOwnCorrectionAndTheEndsAreHeld() {
        double[] c = {0.5, 0.5, 1};
        assertThat(C.forFrame(0, c)).isEqualTo(A);
        assertThat(C.forFrame(-3, c)).isEqualTo(A);
        assertThat(C.forFrame(10, c)).isEqualTo(B);
        assertThat(C.forFrame(99, c)).isEqualTo(B);
    }

    @Test
    void framesBetweenKeyframesBlendTheCorrections() {
        Sim3 half = C.forFrame(5, new double[] {0, 0, 0});
        assertThat(half.scale()).isCloseTo(Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Rotations.angleBetweenDeg(half.rotation(), Rotations.axisAngle(new double[] {0, 0, 1}, 0.15))).isLessThan(1e-6);
    }

    @Test
    void correctionsAreAbsoluteSoApplyingTheLatestAgainChangesNothing() {
        RigidTransform published = new RigidTransform(Rotations.axisAngle(new double[] {1, 0, 0}, 0.2), new double[] {3, 1, 2});
        RigidTransform once = C.correctPose(10, published);
        // A consumer applies a correction to the PUBLISHED pose; re-applying the same (or a replayed) record gives
        // the same pose, not a doubly corrected one.
        assertThat(C.correctPose(10, published)).isEqualTo(once);
        assertThat(once.center()).containsExactly(B.apply(published.center()));
    }

    @Test
    void refusesKeyframesOutOfOrder() {
        assertThatThrownBy(() -> new LoopCorrection(0, 5, 1, 20, 0, 30, new long[] {10, 10}, List.of(A, B)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
