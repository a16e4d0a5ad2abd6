package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Half precision against its definition: every half round-trips; a float goes to the nearest half, ties to even. */
class HalfFloatsTest {

    @Test
    void everyHalfComesBackFromItsFloat() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.toFloat((short) h);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(HalfFloats.toFloat(HalfFloats.fromFloat(f)))).isTrue();
                continue;
            }
            assertThat(HalfFloats.fromFloat(f) & 0xffff).as("half 0x%04x", h).isEqualTo(h);
        }
    }

    @Test
    void knownValues() {
        assertThat(HalfFloats.toFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(HalfFloats.toFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(HalfFloats.toFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(HalfFloats.toFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(HalfFloats.fromFloat(65520f)).isEqualTo((short) 0x7c00); // rounds to infinity
        assertThat(HalfFloats.fromFloat(65519f)).isEqualTo((short) 0x7bff);
        assertThat(HalfFloats.fromFloat(1 + 0x1p-11f)).isEqualTo((short) 0x3c00); // tie: to even (down)
        assertThat(HalfFloats.fromFloat(1 + 3 * 0x1p-11f)).isEqualTo((short) 0x3c02); // tie: to even (up)
        assertThat(HalfFloats.fromFloat(-0f)).isEqualTo((short) 0x8000);
        assertThat(HalfFloats.toFloat(HalfFloats.fromFloat(Float.NEGATIVE_INFINITY))).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void keepsFiniteSaysWhetherAnyFiniteValueWouldBecomeInfinity() {
        assertThat(HalfFloats.keepsFinite(new float[] {0, -65519f, 65519f, Float.NaN, Float.POSITIVE_INFINITY})).isTrue();
        assertThat(HalfFloats.keepsFinite(new float[] {1, 65520f})).isFalse();
        assertThat(HalfFloats.keepsFinite(new float[] {-1e6f})).isFalse();
    }

    @Test
    void aFloatGoesToTheNearestHalf() {
        Random random = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(12) - 8));
            short h = HalfFloats.fromFloat(x);
            float y = HalfFloats.toFloat(h);
            // Neither neighbouring half is nearer.
            float below = HalfFloats.toFloat((short) (h - 1)), above = HalfFloats.toFloat((short) (h + 1));
            double err = Math.abs((double) y - x);
            if (Float.isFinite(below) && Math.signum(below) == Math.signum(y)) assertThat(err).isLessThanOrEqualTo(Math.abs((double) below - x));
            if (Float.isFinite(above) && Math.signum(above) == Math.signum(y)) assertThat(err).isLessThanOrEqualTo(Math.abs((double) above - x));
        }
    }
}
