package io.geostream.model.torchscript;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelPackageTest {

    private static final Path TINY = TestPackages.model("tiny-e2e");

    /** A copy of tiny-e2e whose model.json has {@code from} replaced by {@code to}. */
    private static Path editedCopy(Path dir, String from, String to) throws IOException {
        String json = Files.readString(TINY.resolve("model.json"));
        assertThat(json).contains(from);
        Files.writeString(dir.resolve("model.json"), json.replace(from, to));
        Files.copy(TINY.resolve("geometry.pt"), dir.resolve("geometry.pt"));
        return dir;
    }

    @Test
    void readsTheCommittedTinyPackage() {
        ModelPackage p = ModelPackage.read(TINY);
        assertThat(p.name()).isEqualTo("tiny-e2e");
        assertThat(p.version()).isEqualTo("1.0.0");
        assertThat(p.form()).isEqualTo(ModelPackage.FORM_END_TO_END);
        assertThat(p.clipFrames()).isZero();
        assertThat(p.probeClipFrames()).isEqualTo(2);
        assertThat(p.inputWidth()).isEqualTo(64);
        assertThat(p.inputHeight()).isEqualTo(48);
        assertThat(p.resize()).isEqualTo("stretch");
        assertThat(p.rgbNormalization().mean()).containsExactly(0.485f, 0.456f, 0.406f);
        assertThat(p.rgbNormalization().std()).containsExactly(0.229f, 0.224f, 0.225f);
        assertThat(p.hasConfidence()).isTrue();
        assertThat(p.maxBatch()).isEqualTo(8);
        assertThat(p.precision()).isEqualTo("fp32");
        assertThat(p.geometryModule()).isRegularFile().hasFileName("geometry.pt");
        assertThat(p.info().qualifiedName()).isEqualTo("tiny-e2e@1.0.0");
    }

    @Test
    void ignoresUnknownFields(@TempDir Path dir) throws IOException {
        editedCopy(dir, "\"form\"", "\"sampler\": {\"steps\": 1}, \"futureField\": [1, 2],\n  \"form\"");
        assertThat(ModelPackage.read(dir).name()).isEqualTo("tiny-e2e");
    }

    @Test
    void missingGeometryModuleIsNamed(@TempDir Path dir) throws IOException {
        Files.copy(TINY.resolve("model.json"), dir.resolve("model.json"));
        assertThatThrownBy(() -> ModelPackage.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing file geometry.pt");
    }

    @Test
    void missingModelJsonIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> ModelPackage.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing file model.json");
        assertThatThrownBy(() -> ModelPackage.read(dir.resolve("nope")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void badFieldsNameTheFieldAndTheFile(@TempDir Path root) throws IOException {
        String[][] cases = {
                {"\"maxBatch\": 8", "\"maxBatch\": 0", "maxBatch"},
                {"\"maxBatch\": 8", "\"maxBatch\": \"4\"", "maxBatch"},
                {"\"inputWidth\": 64", "\"inputWidth\": 64.5", "inputWidth"},
                {"\"clipFrames\": 0", "\"clipFrames\": -1", "clipFrames"},
                {"\"name\": \"tiny-e2e\"", "\"name\": \"tiny e2e/../x\"", "name"},
                {"\"version\": \"1.0.0\"", "\"version\": \"\"", "version"},
                {"\"form\": \"end-to-end\"", "\"form\": \"decomposed\"", "form"},
                {"\"resize\": \"stretch\"", "\"resize\": \"crop\"", "resize"},
                {"\"precision\": \"fp32\"", "\"precision\": \"bf16\"", "precision"},
                {"\"hasConfidence\": true", "\"hasConfidence\": 1", "hasConfidence"},
                {"\"hasConfidence\": true,", "", "hasConfidence"},
                {"0.229", "0", "rgbNormalization.std"},
                {"0.485", "\"red\"", "rgbNormalization.mean"},
        };
        int i = 0;
        for (String[] c : cases) {
            Path dir = Files.createDirectory(root.resolve("case" + i++));
            editedCopy(dir, c[0], c[1]);
            assertThatThrownBy(() -> ModelPackage.read(dir))
                    .as("%s -> %s", c[0], c[1])
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("field '" + c[2] + "'")
                    .hasMessageContaining(dir.toRealPath().resolve("model.json").toString());
        }
    }

    @Test
    void notJsonIsReportedWithTheFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("model.json"), "{ name: ");
        assertThatThrownBy(() -> ModelPackage.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model.json is not valid JSON");
    }

    @Test
    void aRepeatedFieldIsRejected(@TempDir Path dir) throws IOException {
        editedCopy(dir, "\"maxBatch\": 8", "\"maxBatch\": 8, \"maxBatch\": 4");
        assertThatThrownBy(() -> ModelPackage.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON")
                .hasMessageContaining("maxBatch");
    }
}
