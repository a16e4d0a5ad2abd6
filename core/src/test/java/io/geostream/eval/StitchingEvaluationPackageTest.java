package io.geostream.eval;

import io.geostream.clip.ClipCutterSettings;
import io.geostream.model.GeometryModel;
import io.geostream.model.torchscript.GeometryModels;
import io.geostream.stitch.StitcherSettings;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.RepoFiles;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link StitchingEvaluation} with a model package's outputs: truth and prediction are compared pixel for pixel, so a
 * scene rendered at another size than the package's output is an error, never a run whose frames all go unscored.
 */
class StitchingEvaluationPackageTest {

    @Test
    void aSceneAtAnotherSizeThanThePackagesOutputIsAnError() throws Exception {
        // tiny-e2e outputs 64x48 whatever the input's size (it resizes its input, resize: stretch).
        try (GeometryModel model = GeometryModels.open(RepoFiles.model("tiny-e2e"), "cpu")) {
            SceneSpec scene = new SceneSpec(1, 48, 36, 12, TrajectoryKind.HANDHELD, 0, 30);
            assertThatThrownBy(() -> StitchingEvaluation.run(scene, model, new ClipCutterSettings(8, 5, 4, 10_000, 1),
                    StitcherSettings.defaults(), true, List.of("naive")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("model tiny-e2e@1.0.0 returned 64x48 geometry")
                    .hasMessageContaining("the truth is 48x36");
        }
    }
}
