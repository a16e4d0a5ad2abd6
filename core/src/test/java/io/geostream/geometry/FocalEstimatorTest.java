package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class FocalEstimatorTest {

    /** A point map of a camera with focal f (any scale), with noise, outliers and holes. */
    private static float[] pointMap(int w, int h, double f, double scale, Random random) {
        float[] map = new float[3 * w * h];
        double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
        for (int v = 0; v < h; v++) {
            for (int u = 0; u < w; u++) {
                int p = v * w + u;
                double depth = scale * (1 + random.nextDouble() * 4);
                double noise = 1 + 0.01 * random.nextGaussian();
                double x = (u - cx) / f * depth * noise, y = (v - cy) / f * depth * noise;
                if (p % 50 == 7) x *= 1.5 + random.nextDouble(); // 2 % gross outliers
                map[3 * p] = (float) x;
                map[3 * p + 1] = (float) y;
                map[3 * p + 2] = (float) depth;
                if (p % 97 == 3) map[3 * p] = Float.NaN;
                if (p % 89 == 5) map[3 * p + 2] = -1;
            }
        }
        return map;
    }

    @Test
    void recoversTheFocalLengthWhateverThePointMapScale() {
        for (double scale : new double[] {0.3, 1, 7}) {
            CameraIntrinsics k = FocalEstimator.estimate(pointMap(64, 48, 55.4, scale, new Random(30)), 64, 48);
            assertThat(k.fx()).isCloseTo(55.4, within(0.3));
            assertThat(k.fy()).isEqualTo(k.fx());
            assertThat(k.cx()).isEqualTo(31.5);
            assertThat(k.cy()).isEqualTo(23.5);
            assertThat(k.width()).isEqualTo(64);
        }
    }

    @Test
    void exactDataGivesTheExactFocalLength() {
        int w = 40, h = 30;
        float[] map = new float[3 * w * h];
        for (int p = 0; p < w * h; p++) {
            map[3 * p] = (float) ((p % w - 19.5) / 33.0 * 2);
            map[3 * p + 1] = (float) ((p / w - 14.5) / 33.0 * 2);
            map[3 * p + 2] = 2;
        }
        assertThat(FocalEstimator.estimate(map, w, h).fx()).isCloseTo(33.0, within(1e-4));
    }

    @Test
    void rejectsTooFewValidPointsAndWrongSizes() {
        float[] map = new float[3 * 8 * 6];
        java.util.Arrays.fill(map, Float.NaN);
        assertThatThrownBy(() -> FocalEstimator.estimate(map, 8, 6))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least");
        assertThatThrownBy(() -> FocalEstimator.estimate(new float[10], 8, 6))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("point map");
    }
}
