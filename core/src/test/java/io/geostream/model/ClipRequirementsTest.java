package io.geostream.model;

import io.geostream.model.torchscript.GeometryModels;
import io.geostream.testing.RepoFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClipRequirementsTest {

    @Test
    void aFourTimesTemporalVaeTakesOnePlusFourKFrames() {
        ClipRequirements r = new ClipRequirements(0, 4);
        assertThat(r.accepts(13)).isTrue();
        assertThat(r.accepts(17)).isTrue();
        assertThat(r.accepts(16)).isFalse();
        assertThat(r.accepts(0)).isFalse();
        assertThat(r.lengthNear(16)).isEqualTo(17);
        assertThat(r.lengthNear(14)).isEqualTo(13);
        assertThat(r.lengthNear(15)).isEqualTo(13); // a tie goes to the shorter clip
        assertThat(r.lengthNear(2)).isEqualTo(5);
        assertThat(r.describe()).isEqualTo("1 + 4k frames");
    }

    @Test
    void aFixedLengthIsTheOnlyOne() {
        ClipRequirements r = new ClipRequirements(9, 4);
        assertThat(r.accepts(9)).isTrue();
        assertThat(r.accepts(13)).isFalse();
        assertThat(r.lengthNear(16)).isEqualTo(9);
        assertThat(r.describe()).isEqualTo("9 frames");
    }

    @Test
    void anyLengthKeepsThePreferredOne() {
        assertThat(ClipRequirements.ANY.accepts(16)).isTrue();
        assertThat(ClipRequirements.ANY.lengthNear(16)).isEqualTo(16);
        assertThatThrownBy(() -> new ClipRequirements(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readFromThePackagesModelJsonWithoutLoadingIt(@TempDir Path dir) throws IOException {
        assertThat(GeometryModels.clipRequirements(RepoFiles.model("tiny-e2e"))).isEqualTo(ClipRequirements.ANY);
        assertThat(GeometryModels.clipRequirements(RepoFiles.model("tiny-decomposed"))).isEqualTo(ClipRequirements.ANY);
        Path fourX = RepoFiles.fourTimesTemporalPackage(dir);
        assertThat(GeometryModels.clipRequirements(fourX)).isEqualTo(new ClipRequirements(0, 4));
        assertThat(GeometryModels.clipRequirements(fourX).lengthNear(9)).isEqualTo(9); // eval model's clip length
        assertThat(GeometryModels.inputSize(RepoFiles.model("tiny-e2e"))).isEqualTo(new GeometryModels.InputSize(64, 48));
        assertThat(GeometryModels.inputSize(RepoFiles.model("medium-e2e"))).isEqualTo(new GeometryModels.InputSize(256, 192));
        assertThat(GeometryModels.inputSize(fourX)).isEqualTo(new GeometryModels.InputSize(64, 48));
        assertThatThrownBy(() -> GeometryModels.inputSize(dir.resolve("none"))).isInstanceOf(IllegalArgumentException.class);
    }
}
