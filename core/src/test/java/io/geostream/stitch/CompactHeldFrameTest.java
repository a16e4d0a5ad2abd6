package io.geostream.stitch;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** What a compact held frame keeps: normals and a bounded confidence in half precision, an unbounded one as it was. */
class CompactHeldFrameTest {

    private static HeldFrame held(float[] confidence) {
        HeldFrame h = new HeldFrame();
        h.width = 2;
        h.height = 1;
        h.worldPoints = new float[] {1, 2, 3, 4, 5, 6};
        h.normalsWorld = new float[] {0.6f, 0, 0.8f, Float.NaN, Float.NaN, Float.NaN};
        h.confidence = confidence;
        h.method = "per_frame";
        h.clipScale = 1.25;
        return h;
    }

    @Test
    void normalsAndABoundedConfidenceAreHeldInHalfPrecision() {
        CompactHeldFrame c = CompactHeldFrame.of(held(new float[] {0.3f, 0.9f}));
        assertThat(c.normalsWorld).isNull();
        assertThat(c.confidence).isNull();
        assertThat(c.normals()[0]).isCloseTo(0.6f, within(3e-4f));
        assertThat(c.normals()[3]).isNaN();
        assertThat(c.confidenceValues()[1]).isCloseTo(0.9f, within(5e-4f));
        assertThat(c.worldPoints).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(c.clipScale).isEqualTo(1.25);
    }

    @Test
    void aConfidenceAHalfCannotHoldStaysAsItWas() {
        float[] unbounded = {0.5f, 1e6f};
        CompactHeldFrame c = CompactHeldFrame.of(held(unbounded));
        assertThat(c.confidenceHalf).isNull();
        assertThat(c.confidenceValues()).containsExactly(0.5f, 1e6f);
    }

    @Test
    void replacedValuesAreFullPrecision() {
        CompactHeldFrame c = CompactHeldFrame.of(held(new float[] {0.3f, 0.9f}));
        c.setNormalsAndConfidence(new float[] {0, 0, 1, 0, 1, 0}, new float[] {0.123456f, 0.5f});
        assertThat(c.normalsWorldHalf).isNull();
        assertThat(c.confidenceHalf).isNull();
        assertThat(c.confidenceValues()).containsExactly(0.123456f, 0.5f);
        assertThat(c.normals()).containsExactly(0, 0, 1, 0, 1, 0);
    }
}
