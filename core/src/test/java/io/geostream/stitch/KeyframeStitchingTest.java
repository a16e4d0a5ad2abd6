package io.geostream.stitch;

import io.geostream.clip.ClipCutterSettings;
import io.geostream.clip.KeyframePolicy;
import io.geostream.eval.StitchingEvaluation;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** K keyframes per clip with the refresh policy: exact on noise-free clips, deterministic, and worth it under view error. */
class KeyframeStitchingTest {
    private static final ClipCutterSettings CLIPS = new ClipCutterSettings(9, 5, 4, 10_000);
    private static final List<String> KEYFRAMES = List.of("robust_keyframes");

    @Test
    void noiseFreeClipsWithRefreshedKeyframesStitchExactly() throws Exception {
        SceneSpec spec = new SceneSpec(4, 64, 48, 60, TrajectoryKind.HANDHELD, 0.0, 10);
        for (int k : new int[] {1, 2}) {
            ClipCutterSettings clips = CLIPS.withKeyframes(k).withKeyframePolicy(KeyframePolicy.REFRESH, 1);
            StitchingEvaluation.Scores s = StitchingEvaluation.run(spec, SimulatedModelSettings.defaults().withoutNoise(),
                    clips, StitcherSettings.defaults(), true, KEYFRAMES).get("robust_keyframes");
            assertThat(s.frames()).as("K=%d", k).isEqualTo(60);
            assertThat(s.segmentBreaks()).as("K=%d", k).isZero();
            assertThat(s.ateOverLength()).as("K=%d", k).isLessThan(1e-4);
            assertThat(s.absrelGlobal()).as("K=%d", k).isLessThan(1e-3);
        }
    }

    @Test
    void replaysGiveIdenticalTrajectories() throws Exception {
        SceneSpec spec = new SceneSpec(6, 64, 48, 50, TrajectoryKind.WALK, 0.0, 10);
        ClipCutterSettings clips = CLIPS.withKeyframes(2).withKeyframePolicy(KeyframePolicy.REFRESH, 2);
        StitchingEvaluation.Scores a = StitchingEvaluation.run(spec, SimulatedModelSettings.defaults(), clips,
                StitcherSettings.defaults(), true, KEYFRAMES).get("robust_keyframes");
        StitchingEvaluation.Scores b = StitchingEvaluation.run(spec, SimulatedModelSettings.defaults(), clips,
                StitcherSettings.defaults(), true, KEYFRAMES).get("robust_keyframes");
        assertThat(a.frames()).isEqualTo(50);
        for (int i = 0; i < a.estimatedPoses().length; i++) {
            assertThat(b.estimatedPoses()[i].center()).isEqualTo(a.estimatedPoses()[i].center());
        }
    }

    @Test
    void underViewChangeErrorARefreshedKeyframeBeatsTheFirstFrame() throws Exception {
        // An orbit moves the view far from the segment's first frame; the simulated model's view-change error
        // then makes that keyframe a poor reference, and refreshing it keeps the reference close to the clip.
        SceneSpec spec = new SceneSpec(9, 64, 48, 160, TrajectoryKind.ORBIT, 0.0, 10);
        ClipCutterSettings clips = new ClipCutterSettings(8, 6, 4, 10_000, 1);
        SimulatedModelSettings model = SimulatedModelSettings.defaults().withViewError(0.1);
        StitchingEvaluation.Scores firstOnly = StitchingEvaluation.run(spec, model, clips, StitcherSettings.defaults(), true,
                KEYFRAMES).get("robust_keyframes");
        StitchingEvaluation.Scores refresh = StitchingEvaluation.run(spec, model,
                clips.withKeyframePolicy(KeyframePolicy.REFRESH, 2), StitcherSettings.defaults(), true, KEYFRAMES)
                .get("robust_keyframes");
        System.out.printf("view error %.2f: first-only ATE/len %.4f, refresh/2 ATE/len %.4f%n", model.viewErrorShare(),
                firstOnly.ateOverLength(), refresh.ateOverLength());
        assertThat(refresh.segmentBreaks()).isZero();
        assertThat(refresh.ateOverLength()).isLessThan(0.75 * firstOnly.ateOverLength());
    }
}
