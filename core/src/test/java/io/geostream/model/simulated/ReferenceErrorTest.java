package io.geostream.model.simulated;

import io.geostream.geometry.Sim3;
import io.geostream.model.ClipInput;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReferenceErrorTest {

    private static final SyntheticScene ORBIT = new SyntheticScene(new SceneSpec(5, 80, 60, 400, TrajectoryKind.ORBIT, 0, 10));

    private static ClipInput clip() {
        FrameTruth f = ORBIT.render(0);
        return new ClipInput("s", 0, 3, 80, 60, List.of(new ClipInput.Frame(0, 0, f.rgb(), null, false)), Map.of());
    }

    @Test
    void theOverlapIsTheShareOfTheSlotsViewThatTheReferenceShows() {
        FrameTruth first = ORBIT.render(0);
        ReferenceError e = ReferenceError.draw(RealisticErrors.realistic().withReferenceError(15, 0.3), clip(), first, 3);
        assertThat(e.overlap(first)).isEqualTo(1.0);
        double near = e.overlap(ORBIT.render(2)), far = e.overlap(ORBIT.render(120));
        // The orbit camera turns a full lap in 240 frames, always looking at the room's centre: 2 frames on it still
        // sees nearly all of what frame 0 saw; half a lap on it looks back at frame 0's side of the room, and only the
        // middle of the floor lies in both views (the overlap is by frustum: occlusion is not tested).
        assertThat(near).isGreaterThan(0.9);
        assertThat(far).isLessThan(0.5);
    }

    @Test
    void aSlotThatSharesTheReferencesViewIsLeftAsItIsAndOneThatSharesLittleIsMovedByNearlyTheWholeTerm() {
        FrameTruth first = ORBIT.render(0);
        RealisticErrors terms = RealisticErrors.realistic().withReferenceError(15, 0.3);
        ReferenceError e = ReferenceError.draw(terms, clip(), first, 3);
        Sim3 pose = Sim3.of(first.worldFromCamera().inverse());
        assertThat(e.apply(first, pose)).isSameAs(pose);
        FrameTruth far = ORBIT.render(120);
        Sim3 farPose = Sim3.of(far.worldFromCamera().inverse());
        Sim3 moved = e.apply(far, farPose);
        double missing = 1 - e.overlap(far);
        double angle = Math.toDegrees(Math.acos(Math.min(1, (trace(moved.compose(farPose.inverse()).rotation()) - 1) / 2)));
        // (1 - o)^2 x 15 deg x a per-clip factor in [0.5, 1.5]
        assertThat(angle).isBetween(0.5 * 15 * missing * missing - 1e-9, 1.5 * 15 * missing * missing + 1e-9).isGreaterThan(3);
        // Off by default: the realistic preset's figures stay as they were.
        assertThat(ReferenceError.draw(RealisticErrors.realistic(), clip(), first, 3)).isNull();
    }

    private static double trace(double[] r) {
        return r[0] + r[4] + r[8];
    }
}
