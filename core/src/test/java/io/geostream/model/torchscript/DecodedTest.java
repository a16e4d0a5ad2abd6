package io.geostream.model.torchscript;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ModelException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The decoder's raw [2B,T,3,H,W] output to geometry, through libtorch as in the engine: scaled and offset points and
 * unit normals per frame, interleaved, the planar form holding the same values, a non-finite value a typed failure.
 */
class DecodedTest {
    private static final int B = 2, T = 3, H = 5, W = 7, HW = H * W;
    private static final float SCALE = 2.5f;
    private static final float[] OFFSET = {0.1f, -0.2f, 1f};
    private static NDManager manager;

    @BeforeAll static void start() { manager = NDManager.newBaseManager("PyTorch"); }

    @AfterAll static void stop() { manager.close(); }

    private static DecomposedTranslators.Decoded decode(float[] raw) throws ModelException {
        DecomposedTranslators.Decoder decoder = new DecomposedTranslators.Decoder("decoder.pt", DataType.FLOAT32, SCALE, OFFSET, "test");
        Shape shape = new Shape(2L * B, T, 3, H, W);
        decoder.checks().expected = shape;
        decoder.checks().owner = manager;
        return decoder.processOutput(null, new NDList(manager.create(raw, shape)));
    }

    private static float[] randomRaw() {
        float[] raw = new float[2 * B * T * 3 * HW];
        Random random = new Random(3);
        for (int i = 0; i < raw.length; i++) raw[i] = (float) random.nextGaussian();
        return raw;
    }

    @Test
    void pointsAreScaledAndOffsetNormalsUnitAndBothLayoutsHoldTheSameValues() throws ModelException {
        float[] raw = randomRaw();
        int half = raw.length / 2;
        // A degenerate normal (all three channels near zero) in clip 1, frame 2, pixel 4: it faces the camera.
        int degenerate = (1 * T + 2) * 3 * HW;
        for (int c = 0; c < 3; c++) raw[half + degenerate + c * HW + 4] = 1e-8f;
        DecomposedTranslators.Decoded decoded = decode(raw);

        List<ClipGeometry> clips = decoded.clips(true);
        float[][] planar = decoded.planar();
        assertThat(clips).hasSize(B);
        for (int k = 0; k < B; k++) {
            assertThat(clips.get(k).frames()).hasSize(T);
            for (int i = 0; i < T; i++) {
                ClipGeometry.FrameGeometry f = clips.get(k).frames().get(i);
                int base = (k * T + i) * 3 * HW;
                for (int q = 0; q < HW; q++) {
                    double x = raw[half + base + q], y = raw[half + base + HW + q], z = raw[half + base + 2 * HW + q];
                    double len = Math.sqrt(x * x + y * y + z * z);
                    for (int c = 0; c < 3; c++) {
                        assertThat(f.pointMap()[3 * q + c]).isCloseTo(raw[base + c * HW + q] * SCALE + OFFSET[c], within(1e-6f));
                        double unit = len > 1e-6 ? new double[] {x, y, z}[c] / len : (c == 2 ? -1 : 0);
                        assertThat((double) f.normals()[3 * q + c]).isCloseTo(unit, within(1e-6));
                        assertThat(planar[0][base + c * HW + q]).isEqualTo(f.pointMap()[3 * q + c]);
                        assertThat(planar[1][base + c * HW + q]).isEqualTo(f.normals()[3 * q + c]);
                    }
                }
                assertThat(f.confidence()).containsExactly(NormalAgreement.confidence(f.pointMap(), f.normals(), W, H));
            }
        }
        float[] n = clips.get(1).frames().get(2).normals();
        assertThat(new float[] {n[12], n[13], n[14]}).containsExactly(0f, 0f, -1f);
        assertThat(decoded.clips(false).get(0).frames().get(0).confidence()).isNull();
    }

    @Test
    void aNonFiniteValueInPointsOrNormalsIsATypedFailureNamingWhere() {
        for (int at : new int[] {2 * HW + 5, (2 * B * T - 1) * 3 * HW + HW + 6}) { // points row 0 z; the last normals row's y
            float[] raw = randomRaw();
            raw[at] = Float.NaN;
            assertThatThrownBy(() -> decode(raw)).isInstanceOfSatisfying(ModelException.class,
                    e -> assertThat(e.reason()).isEqualTo(ModelException.Reason.MODEL_OUTPUT_NON_FINITE))
                    .hasMessageContaining("NaN").hasMessageContaining("pixel " + (at % HW));
        }
    }
}
