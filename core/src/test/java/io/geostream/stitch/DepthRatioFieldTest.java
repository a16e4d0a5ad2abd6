package io.geostream.stitch;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DepthRatioFieldTest {

    private static final int W = 96, H = 72;
    private static final double[] CENTRE = {0.5, -0.2, 1.0};

    /** A wall 2-3 units in front of a camera at CENTRE looking along +z, each pixel's ray through a 60 deg field of view. */
    private static float[] wall() {
        float[] p = new float[3 * W * H];
        double f = W / (2 * Math.tan(Math.toRadians(30)));
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                double dx = (x + 0.5 - W / 2.0) / f, dy = (y + 0.5 - H / 2.0) / f;
                double depth = 2 + (double) x / W;
                int i = 3 * (y * W + x);
                p[i] = (float) (CENTRE[0] + dx * depth);
                p[i + 1] = (float) (CENTRE[1] + dy * depth);
                p[i + 2] = (float) (CENTRE[2] + depth);
            }
        }
        return p;
    }

    /** A smooth log ratio over the image, up to about +-0.12: what a model's depth field looks like. */
    private static double smooth(int x, int y) {
        return 0.08 * Math.sin(2 * Math.PI * x / W) + 0.04 * Math.cos(Math.PI * y / H);
    }

    /** The points moved along their rays from CENTRE by exp(log ratio) times a per-pixel noise factor. */
    private static float[] scaled(float[] points, double noise, long seed) {
        Random random = new Random(seed);
        float[] out = points.clone();
        for (int p = 0; p < W * H; p++) {
            double k = Math.exp(smooth(p % W, p / W) + noise * random.nextGaussian());
            for (int c = 0; c < 3; c++) out[3 * p + c] = (float) (CENTRE[c] + (points[3 * p + c] - CENTRE[c]) * k);
        }
        return out;
    }

    private static double range(float[] p, int i) {
        double dx = p[3 * i] - CENTRE[0], dy = p[3 * i + 1] - CENTRE[1], dz = p[3 * i + 2] - CENTRE[2];
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }

    @Test
    void recoversASmoothRatioUnderPixelNoiseAndTakesOnePredictionOntoTheOther() {
        float[] a1 = wall(), a2 = wall();
        float[] b1 = scaled(a1, 0.05, 1), b2 = scaled(a2, 0.05, 2);
        DepthRatioField field = DepthRatioField.fit(List.of(a1, a2), List.of(CENTRE, CENTRE), List.of(b1, b2), W, H);
        assertThat(field).isNotNull();
        double worst = 0, sum = 0, sumNoise = 0, sumField = 0;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                double e = Math.abs(field.logRatioAt(x, y) - smooth(x, y));
                worst = Math.max(worst, e);
                sum += e;
            }
        }
        // The cells' medians average the 5 % pixel noise away; what is left is the field's variation within a cell
        // (largest at the image's edges, where the field is read as the outer cells' value).
        assertThat(sum / (W * H)).isLessThan(0.006);
        assertThat(worst).isLessThan(0.03);
        float[] warped = a1.clone();
        field.warp(warped, CENTRE, 1.0);
        float[] clean = scaled(a1, 0, 0);
        for (int p = 0; p < W * H; p++) {
            sumField += Math.abs(range(warped, p) / range(clean, p) - 1);
            sumNoise += Math.abs(range(b1, p) / range(clean, p) - 1);
        }
        assertThat(sumField / (W * H)).isLessThan(0.005).isLessThan(sumNoise / (W * H) / 5);
    }

    @Test
    void warpMovesPointsAlongTheirRaysByTheShareOfTheRatio() {
        float[] a = wall();
        float[] b = scaled(a, 0, 0);
        DepthRatioField field = DepthRatioField.fit(List.of(a), List.of(CENTRE), List.of(b), W, H);
        float[] half = a.clone();
        field.warp(half, CENTRE, 0.5);
        for (int p = 0; p < W * H; p += 37) {
            double ratio = range(half, p) / range(a, p);
            assertThat(Math.log(ratio)).isCloseTo(0.5 * field.logRatioAt(p % W, p / W), within(1e-5));
            // Same direction from the centre: the cross product of the two offsets vanishes.
            double ax = a[3 * p] - CENTRE[0], ay = a[3 * p + 1] - CENTRE[1], az = a[3 * p + 2] - CENTRE[2];
            double hx = half[3 * p] - CENTRE[0], hy = half[3 * p + 1] - CENTRE[1], hz = half[3 * p + 2] - CENTRE[2];
            double cross = Math.hypot(Math.hypot(ay * hz - az * hy, az * hx - ax * hz), ax * hy - ay * hx);
            assertThat(cross / (range(a, p) * range(half, p))).isLessThan(1e-5);
        }
        float[] unchanged = a.clone();
        field.warp(unchanged, CENTRE, 0);
        assertThat(unchanged).containsExactly(a);
    }

    @Test
    void invalidPixelsAreSkippedAndAFieldNeedsOneValidPixel() {
        float[] a = wall();
        float[] b = scaled(a, 0, 0);
        for (int p = 0; p < W * H; p += 2) b[3 * p] = Float.NaN; // half the pixels invalid in the other prediction
        DepthRatioField field = DepthRatioField.fit(List.of(a), List.of(CENTRE), List.of(b), W, H);
        assertThat(Math.abs(field.logRatioAt(W / 2, H / 2) - smooth(W / 2, H / 2))).isLessThan(0.02);
        float[] withHole = a.clone();
        withHole[0] = Float.NaN;
        field.warp(withHole, CENTRE, 1);
        assertThat(withHole[0]).isNaN();
        assertThat(withHole[1]).isEqualTo(a[1]); // the invalid pixel is left as it was

        float[] none = new float[3 * W * H];
        java.util.Arrays.fill(none, Float.NaN);
        assertThat(DepthRatioField.fit(List.of(a), List.of(CENTRE), List.of(none), W, H)).isNull();
    }

    @Test
    void aLargeDisagreementIsClampedAndSizesAreChecked() {
        float[] a = wall();
        float[] far = a.clone();
        for (int p = 0; p < W * H; p++) {
            for (int c = 0; c < 3; c++) far[3 * p + c] = (float) (CENTRE[c] + (a[3 * p + c] - CENTRE[c]) * 2.0);
        }
        DepthRatioField field = DepthRatioField.fit(List.of(a), List.of(CENTRE), List.of(far), W, H);
        assertThat(field.logRatioAt(10, 10)).isCloseTo(DepthRatioField.MAX_LOG_RATIO, within(1e-6));
        assertThatThrownBy(() -> DepthRatioField.fit(List.of(a), List.of(CENTRE), List.of(a), W + 1, H))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not");
        assertThatThrownBy(() -> DepthRatioField.fit(List.of(a, a), List.of(CENTRE), List.of(a, a), W, H))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> field.warp(new float[3], CENTRE, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
