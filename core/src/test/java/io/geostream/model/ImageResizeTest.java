package io.geostream.model;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

class ImageResizeTest {

    private static byte[] random(int w, int h, long seed) {
        byte[] rgb = new byte[w * h * 3];
        new Random(seed).nextBytes(rgb);
        return rgb;
    }

    @Test
    void sameSizeIsAnIdenticalCopy() {
        byte[] rgb = random(5, 4, 1);
        byte[] out = ImageResize.resizeRgb(rgb, 5, 4, 5, 4);
        assertThat(out).isEqualTo(rgb).isNotSameAs(rgb);
    }

    @Test
    void uniformImageStaysUniform() {
        byte[] rgb = new byte[7 * 5 * 3];
        for (int i = 0; i < rgb.length; i += 3) { rgb[i] = 10; rgb[i + 1] = (byte) 200; rgb[i + 2] = (byte) 255; }
        byte[] out = ImageResize.resizeRgb(rgb, 7, 5, 13, 3);
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
        byte[] out = ImageResize.resizeRgb(rgb, 2, 1, 4, 1);
        assertThat(new int[] {out[0], out[3], out[6], out[9]}).containsExactly(0, 25, 75, 100);
        assertThat(out[1]).isZero();
        assertThat(out[11]).isZero();
    }

    @Test
    void halvingAveragesPixelPairs() {
        byte[] rgb = {0, 0, 0, 100, 50, 20, (byte) 200, 0, 0, (byte) 250, 0, 0};
        byte[] out = ImageResize.resizeRgb(rgb, 4, 1, 2, 1);
        assertThat(new int[] {out[0] & 0xFF, out[1], out[2], out[3] & 0xFF}).containsExactly(50, 25, 10, 225);
    }

    /** OpenCV's resize of the same bytes (the oracle). */
    private static byte[] opencv(byte[] rgb, int w, int h, int newW, int newH, int interpolation) {
        try (BytePointer src = new BytePointer(rgb); Mat in = new Mat(h, w, CV_8UC3, src); Mat out = new Mat();
             Size size = new Size(newW, newH)) {
            opencv_imgproc.resize(in, out, size, 0, 0, interpolation);
            byte[] result = new byte[newW * newH * 3];
            out.data().get(result);
            return result;
        }
    }

    private static int largestDifference(byte[] a, byte[] b) {
        assertThat(a).hasSameSizeAs(b);
        int most = 0;
        for (int i = 0; i < a.length; i++) most = Math.max(most, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
        return most;
    }

    @Test
    void shrinkingAveragesTheAreaEachPixelCoversAsOpenCvsInterArea() {
        // A camera's frame to a model's input (640x480, 160x120 -> 64x48), an odd factor, a whole factor.
        int[][] sizes = {{640, 480, 64, 48}, {160, 120, 64, 48}, {7, 5, 3, 2}, {96, 72, 32, 24}, {101, 37, 64, 30}};
        for (int[] s : sizes) {
            byte[] rgb = random(s[0], s[1], s[0] * 31L + s[1]);
            byte[] ours = ImageResize.resizeRgb(rgb, s[0], s[1], s[2], s[3]);
            byte[] theirs = opencv(rgb, s[0], s[1], s[2], s[3], opencv_imgproc.INTER_AREA);
            assertThat(largestDifference(ours, theirs)).as("%dx%d -> %dx%d", s[0], s[1], s[2], s[3]).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void enlargingInterpolatesAsOpenCvsInterLinear() {
        byte[] rgb = random(40, 30, 3);
        byte[] ours = ImageResize.resizeRgb(rgb, 40, 30, 64, 48);
        assertThat(largestDifference(ours, opencv(rgb, 40, 30, 64, 48, opencv_imgproc.INTER_LINEAR))).isLessThanOrEqualTo(1);
    }

    @Test
    void aFineStripePatternShrinksToItsMeanNotToAnAlias() {
        // One-pixel black and white columns, 640 wide, to 64: each model pixel covers 10 columns, half of them white.
        // Interpolation alone reads 2 neighbouring columns at each sample and gives black, white or grey by position.
        int w = 640, h = 480;
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 1; x < w; x += 2) for (int c = 0; c < 3; c++) rgb[(y * w + x) * 3 + c] = (byte) 255;
        byte[] out = ImageResize.resizeRgb(rgb, w, h, 64, 48);
        for (byte v : out) assertThat(v & 0xFF).isBetween(127, 128);
    }

    @Test
    void eachAxisOnItsOwnShrinkingOneAndEnlargingTheOther() {
        // Columns 0, 100, 200, 250 (red) halved across, one row doubled down: pairs averaged, rows alike.
        byte[] rgb = {0, 0, 0, 100, 0, 0, (byte) 200, 0, 0, (byte) 250, 0, 0};
        byte[] out = ImageResize.resizeRgb(rgb, 4, 1, 2, 2);
        assertThat(new int[] {out[0] & 0xFF, out[3] & 0xFF, out[6] & 0xFF, out[9] & 0xFF}).containsExactly(50, 225, 50, 225);
    }

    @Test
    void isDeterministic() {
        byte[] rgb = random(96, 72, 7);
        assertThat(ImageResize.resizeRgb(rgb, 96, 72, 64, 48)).isEqualTo(ImageResize.resizeRgb(rgb, 96, 72, 64, 48));
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> ImageResize.resizeRgb(new byte[10], 2, 2, 4, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 12");
        assertThatThrownBy(() -> ImageResize.resizeRgb(new byte[12], 2, 2, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target size");
        assertThatThrownBy(() -> ImageResize.resizeRgb(null, 2, 2, 4, 4)).isInstanceOf(NullPointerException.class);
    }
}
