package io.geostream.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageResizeTest {

    private static byte[] random(int w, int h, long seed) {
        byte[] rgb = new byte[w * h * 3];
        new Random(seed).nextBytes(rgb);
        return rgb;
    }

    @Test
    void sameSizeIsAnIdenticalCopy() {
        byte[] rgb = random(5, 4, 1);
        byte[] out = ImageResize.bilinearRgb(rgb, 5, 4, 5, 4);
        assertThat(out).isEqualTo(rgb).isNotSameAs(rgb);
    }

    @Test
    void uniformImageStaysUniform() {
        byte[] rgb = new byte[7 * 5 * 3];
        for (int i = 0; i < rgb.length; i += 3) { rgb[i] = 10; rgb[i + 1] = (byte) 200; rgb[i + 2] = (byte) 255; }
        byte[] out = ImageResize.bilinearRgb(rgb, 7, 5, 13, 3);
        assertThat(out).hasSize(13 * 3 * 3);
        for (int i = 0; i < out.length; i += 3) {
            assertThat(new int[] {out[i] & 0xFF, out[i + 1] & 0xFF, out[i + 2] & 0xFF}).containsExactly(10, 200, 255);
        }
    }

    @Test
    void doublingAHorizontalRampInterpolatesAtHalfPixelCentres() {
        // Source row 0, 100 (red). Destination x samples source (x + 0.5) / 2 - 0.5: -0.25, 0.25, 0.75, 1.25
        // -> clamped 0, 0.25, 0.75, 1 -> 0, 25, 75, 100.
        byte[] rgb = {0, 0, 0, 100, 0, 0};
        byte[] out = ImageResize.bilinearRgb(rgb, 2, 1, 4, 1);
        assertThat(new int[] {out[0], out[3], out[6], out[9]}).containsExactly(0, 25, 75, 100);
        assertThat(out[1]).isZero();
        assertThat(out[11]).isZero();
    }

    @Test
    void halvingAveragesPixelPairs() {
        byte[] rgb = {0, 0, 0, 100, 50, 20, (byte) 200, 0, 0, (byte) 250, 0, 0};
        byte[] out = ImageResize.bilinearRgb(rgb, 4, 1, 2, 1);
        assertThat(new int[] {out[0] & 0xFF, out[1], out[2], out[3] & 0xFF}).containsExactly(50, 25, 10, 225);
    }

    @Test
    void isDeterministic() {
        byte[] rgb = random(96, 72, 7);
        assertThat(ImageResize.bilinearRgb(rgb, 96, 72, 64, 48)).isEqualTo(ImageResize.bilinearRgb(rgb, 96, 72, 64, 48));
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> ImageResize.bilinearRgb(new byte[10], 2, 2, 4, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 12");
        assertThatThrownBy(() -> ImageResize.bilinearRgb(new byte[12], 2, 2, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target size");
        assertThatThrownBy(() -> ImageResize.bilinearRgb(null, 2, 2, 4, 4)).isInstanceOf(NullPointerException.class);
    }
}
