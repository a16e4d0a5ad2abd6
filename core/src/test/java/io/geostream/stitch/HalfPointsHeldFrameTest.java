package io.geostream.stitch;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** What a held frame keeps of its points: half-precision offsets from its camera, read back once as floats. */
class HalfPointsHeldFrameTest {

    private static HeldFrame held(float[] points) {
        HeldFrame h = new HeldFrame();
        h.width = points.length / 3;
        h.height = 1;
        h.worldPoints = points;
        h.normalsWorld = new float[points.length];
        h.method = "per_frame";
        return h;
    }

    @Test
    void pointsFarFromTheOriginKeepTheirOffsetFromTheCameraToOnePartIn2048() {
        // A camera 1,000 units from the segment's origin; points 0.5 to 8 units in front of it. A world coordinate
        // itself as a half would be off by up to 0.25 here (the spacing of halves near 1,000 is 0.5).
        double[] camera = {1000.0, -250.0, 40.0};
        float[] points = new float[3 * 5];
        double[] depths = {0.5, 1.0, 2.0, 4.5, 8.0};
        for (int i = 0; i < 5; i++) {
            points[3 * i] = (float) (camera[0] + 0.3 * depths[i]);
            points[3 * i + 1] = (float) (camera[1] - 0.2 * depths[i]);
            points[3 * i + 2] = (float) (camera[2] + depths[i]);
        }
        HalfPointsHeldFrame h = HalfPointsHeldFrame.of(held(points.clone()), camera);
        assertThat(h.worldPoints).isNull();
        assertThat(h.pointsHalf).hasSize(15);
        float[] read = h.points();
        for (int i = 0; i < 5; i++) {
            for (int c = 0; c < 3; c++) {
                // the half rounding of the offset (at most 2^-11 of it) plus the float rounding of the world coordinate
                double offset = Math.abs(points[3 * i + c] - camera[c]);
                assertThat(read[3 * i + c]).as("point %d axis %d", i, c)
                        .isCloseTo(points[3 * i + c], within((float) (offset / 2048 + Math.ulp(1000f))));
            }
        }
        assertThat(read[12]).isNotEqualTo(points[12]); // rounded: an offset of 2.4 is not a half
        double[] origin = camera.clone();
        HalfPointsHeldFrame again = HalfPointsHeldFrame.of(held(points.clone()), origin);
        origin[0] = 0; // the frame keeps its own copy of the origin
        assertThat(again.points()).containsExactly(read);
    }

    @Test
    void theFirstReadTurnsThePointsBackIntoFloatsForGood() {
        HalfPointsHeldFrame h = HalfPointsHeldFrame.of(held(new float[] {1, 2, 3, Float.NaN, Float.NaN, Float.NaN}), new double[] {1, 2, 0});
        float[] first = h.points();
        assertThat(first).containsExactly(1f, 2f, 3f, Float.NaN, Float.NaN, Float.NaN);
        assertThat(h.pointsHalf).isNull();
        assertThat(h.pointsOrigin).isNull();
        first[2] = 7; // the stitcher warps them in place
        assertThat(h.points()).isSameAs(first);
        assertThat(h.points()[2]).isEqualTo(7f);
    }

    @Test
    void pointsAHalfCannotHoldAsOffsetsStayAsTheyWere() {
        for (float far : new float[] {65520f, -65520f, 70000f}) {
            float[] points = {1, 2, 3, 0, far, 0};
            HalfPointsHeldFrame h = HalfPointsHeldFrame.of(held(points), new double[] {0, 0, 0});
            assertThat(h.pointsHalf).as("offset %s", far).isNull();
            assertThat(h.points()).containsExactly(1f, 2f, 3f, 0f, far, 0f);
        }
        // the largest offset that rounds to a finite half (65,504) is still held as one
        HalfPointsHeldFrame h = HalfPointsHeldFrame.of(held(new float[] {0, 65519f, 0}), new double[] {0, 0, 0});
        assertThat(h.pointsHalf).isNotNull();
        assertThat(h.points()).containsExactly(0f, 65504f, 0f);
    }

    @Test
    void aFrameThatAlreadyHoldsHalfPointsIsReadFirst() {
        HalfPointsHeldFrame first = HalfPointsHeldFrame.of(held(new float[] {1.1f, 2.2f, 3.3f}), new double[] {1, 2, 3});
        float[] expected = HalfPointsHeldFrame.of(held(new float[] {1.1f, 2.2f, 3.3f}), new double[] {1, 2, 3}).points();
        HalfPointsHeldFrame far = HalfPointsHeldFrame.of(first, new double[] {1e6, 0, 0}); // offsets too large: floats
        assertThat(far.pointsHalf).isNull();
        assertThat(far.points()).containsExactly(expected);
        assertThat(far.normalsWorldHalf).hasSize(3);
    }

    @Test
    void replacedPointsAreFullPrecisionAndNormalsStayCompact() {
        HalfPointsHeldFrame h = HalfPointsHeldFrame.of(held(new float[] {1, 2, 3}), new double[] {0, 0, 0});
        h.setPoints(new float[] {0.123456f, 2, 3});
        assertThat(h.pointsHalf).isNull();
        assertThat(h.pointsOrigin).isNull();
        assertThat(h.points()).containsExactly(0.123456f, 2f, 3f);
        assertThat(h.normalsWorld).isNull();
        assertThat(h.normalsWorldHalf).hasSize(3);
    }
}
