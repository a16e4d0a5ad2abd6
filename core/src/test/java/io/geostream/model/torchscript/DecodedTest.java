package io.geostream.model.torchscript;

import io.geostream.model.ClipGeometry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The decoder's raw output to geometry: scaled and offset points, unit normals, both layouts agreeing. */
class DecodedTest {

    @Test
    void pointsAreScaledAndOffsetNormalsUnitAndBothLayoutsHoldTheSameValues() {
        int b = 2, t = 3, h = 5, w = 7, hw = h * w;
        float[] raw = new float[2 * b * t * 3 * hw];
        Random random = new Random(3);
        for (int i = 0; i < raw.length; i++) raw[i] = (float) random.nextGaussian();
        int half = raw.length / 2;
        // A degenerate normal (all three channels near zero) in clip 1, frame 2, pixel 4: it faces the camera.
        int degenerate = (1 * t + 2) * 3 * hw;
        for (int c = 0; c < 3; c++) raw[half + degenerate + c * hw + 4] = 1e-8f;
        float scale = 2.5f;
        float[] offset = {0.1f, -0.2f, 1f};
        DecomposedTranslators.Decoded decoded = new DecomposedTranslators.Decoded(raw, scale, offset, b, t, w, h);

        List<ClipGeometry> clips = decoded.clips(true);
        float[][] planar = decoded.planar();
        assertThat(clips).hasSize(b);
        for (int k = 0; k < b; k++) {
            assertThat(clips.get(k).frames()).hasSize(t);
            for (int i = 0; i < t; i++) {
                ClipGeometry.FrameGeometry f = clips.get(k).frames().get(i);
                int base = (k * t + i) * 3 * hw;
                for (int q = 0; q < hw; q++) {
                    double x = raw[half + base + q], y = raw[half + base + hw + q], z = raw[half + base + 2 * hw + q];
                    double len = Math.sqrt(x * x + y * y + z * z);
                    for (int c = 0; c < 3; c++) {
                        assertThat(f.pointMap()[3 * q + c]).isCloseTo(raw[base + c * hw + q] * scale + offset[c], within(1e-6f));
                        double unit = len > 1e-6 ? new double[] {x, y, z}[c] / len : (c == 2 ? -1 : 0);
                        assertThat((double) f.normals()[3 * q + c]).isCloseTo(unit, within(1e-6));
                        assertThat(planar[0][base + c * hw + q]).isEqualTo(f.pointMap()[3 * q + c]);
                        assertThat(planar[1][base + c * hw + q]).isEqualTo(f.normals()[3 * q + c]);
                    }
                }
                assertThat(f.confidence()).containsExactly(NormalAgreement.confidence(f.pointMap(), f.normals(), w, h));
            }
        }
        float[] n = clips.get(1).frames().get(2).normals();
        assertThat(new float[] {n[12], n[13], n[14]}).containsExactly(0f, 0f, -1f);
        assertThat(decoded.clips(false).get(0).frames().get(0).confidence()).isNull();
    }
}
