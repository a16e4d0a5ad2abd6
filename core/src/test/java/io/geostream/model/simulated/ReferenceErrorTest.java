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
        double m = missing * missing;
        assertThat(angle).isBetween(0.5 * 15 * m - 1e-9, 1.5 * 15 * m + 1e-9).isGreaterThan(3);
        // The camera turns about its own centre and then shifts by (1 - o)^2 x 0.3 x the clip's depth (3) x the same
        // factor: its centre in the clip moves by exactly the shift.
        double[] before = farPose.apply(far.worldFromCamera().center()), after = moved.apply(far.worldFromCamera().center());
        double shift = Math.sqrt(Math.pow(after[0] - before[0], 2) + Math.pow(after[1] - before[1], 2)
                + Math.pow(after[2] - before[2], 2));
        double factor = angle / (15 * m);
        assertThat(shift).isCloseTo(factor * m * 0.3 * 3, org.assertj.core.api.Assertions.within(1e-9));
        // Off by default: the realistic preset's figures stay as they were.
        assertThat(ReferenceError.draw(RealisticErrors.realistic(), clip(), first, 3)).isNull();
    }

    @Test
    void inAPredictionTheReferenceSlotAndEveryOtherDrawStayAsTheyWereAndAFarSlotMoves() throws Exception {
        // A clip of frame 0 (its reference) and frames 1 and 120 of the orbit: the term only moves the slots by how little
        // of their view frame 0 shares, from a random stream of its own.
        List<ClipInput.Frame> frames = new java.util.ArrayList<>();
        for (int index : new int[] {0, 1, 120}) frames.add(new ClipInput.Frame(index, 0, new byte[80 * 60 * 3], null, false));
        ClipInput clip = new ClipInput("s", 0, 3, 80, 60, frames,
                Map.of(SceneSpec.ATTRIBUTE_KEY, ORBIT.spec().encode()));
        var off = new SimulatedGeometryModel(SimulatedModelSettings.realistic()).predict(clip).frames();
        var on = new SimulatedGeometryModel(SimulatedModelSettings.realistic().withRealism(
                RealisticErrors.realistic().withReferenceError(15, 0.3))).predict(clip).frames();
        assertThat(on.get(0).pointMap()).isEqualTo(off.get(0).pointMap());
        assertThat(on.get(0).normals()).isEqualTo(off.get(0).normals());
        assertThat(on.get(0).confidence()).isEqualTo(off.get(0).confidence());
        assertThat(on.get(1).confidence()).as("per-pixel draws of a moved slot").isEqualTo(off.get(1).confidence());
        assertThat(meanDistance(on.get(2).pointMap(), off.get(2).pointMap()))
                .as("the slot half a lap on moves more than the next frame").isGreaterThan(10 * meanDistance(on.get(1).pointMap(),
                        off.get(1).pointMap()));
    }

    private static double meanDistance(float[] a, float[] b) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i + 2 < a.length; i += 3) {
            double d = Math.sqrt(Math.pow(a[i] - b[i], 2) + Math.pow(a[i + 1] - b[i + 1], 2) + Math.pow(a[i + 2] - b[i + 2], 2));
            if (Double.isFinite(d)) {
                sum += d;
                n++;
            }
        }
        return sum / n;
    }

    private static double trace(double[] r) {
        return r[0] + r[4] + r[8];
    }
}
