package io.geostream.model.torchscript;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ClipRequirements;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed learned package {@code models/geo-nano} (UniGeo's layout trained from scratch): it opens as a
 * decomposed package with a causal 4x temporal VAE, its single step in Java matches what PyTorch computed when it
 * was exported (a held-out clip, {@code expected/}), and its output is usable geometry rather than noise.
 */
class GeoNanoPackageTest {

    static final Path GEO_NANO = TestPackages.model("geo-nano");

    @Test
    void theSingleStepMatchesPyTorchOnAHeldOutClip() throws Exception {
        Path expected = GEO_NANO.resolve("expected");
        TestPackages.NpyArray input = TestPackages.readNpy(expected.resolve("input.npy"));
        try (DecomposedGeometryModel model = DecomposedGeometryModel.open(GEO_NANO, null)) {
            int t = (int) input.shape()[1];
            DecomposedGeometryModel.Planar out = model.run(input.data(), 1, t, (attribute, k, count) -> new float[count]);
            float[] points = TestPackages.readNpy(expected.resolve("single_step_points.npy")).data();
            float[] normals = TestPackages.readNpy(expected.resolve("single_step_normals.npy")).data();
            // a 4-block DiT and a VAE in fp32 through libtorch 2.7 vs torch 1.13: relative to depths of order 1
            assertThat(TestPackages.maxAbsDiff(out.points(), points)).as("points").isLessThanOrEqualTo(2e-4f);
            assertThat(TestPackages.maxAbsDiff(out.normals(), normals)).as("normals").isLessThanOrEqualTo(2e-4f);
        }
    }

    @Test
    void itTakesNineFrameClipsAndGivesFiniteGeometryInFrontOfTheCamera() throws Exception {
        try (GeometryModel model = DecomposedGeometryModel.open(GEO_NANO, null)) {
            ClipRequirements requirements = GeometryModels.clipRequirements(GEO_NANO);
            assertThat(requirements.accepts(9)).isTrue();
            assertThat(requirements.accepts(8)).isFalse();
            Random random = new Random(3);
            List<ClipInput.Frame> frames = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                byte[] rgb = new byte[64 * 48 * 3];
                random.nextBytes(rgb);
                frames.add(new ClipInput.Frame(i, 100_000L * i, rgb, null, false));
            }
            ClipGeometry g = model.predict(new ClipInput("cam", 0, 0, 64, 48, frames, null));
            int inFront = 0;
            int total = 0;
            for (ClipGeometry.FrameGeometry f : g.frames()) {
                float[] p = f.pointMap();
                for (int i = 0; i < p.length; i += 3) {
                    assertThat(Float.isFinite(p[i]) && Float.isFinite(p[i + 1]) && Float.isFinite(p[i + 2])).isTrue();
                    if (p[i + 2] > 0) inFront++;
                    total++;
                }
            }
            assertThat(inFront).as("points in front of the camera").isGreaterThan(total * 9 / 10);
        }
    }
}
