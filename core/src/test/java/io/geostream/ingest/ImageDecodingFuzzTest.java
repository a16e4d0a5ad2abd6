package io.geostream.ingest;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.geostream.avro.ImageEncoding;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes image decoding: the Java header readers ({@link ImageHeaders}) and {@link ImageDecoder} with
 * OpenCV behind them. Input layout (so that seeds are plain image files with a 5-byte prefix): byte 0 picks
 * the encoding, bytes 1-2 and 3-4 the declared width and height (big-endian, as signed 16-bit so that zero
 * and negative sizes occur), the rest is the image. Only {@link FrameRejectedException} may escape.
 *
 * <p>Without {@code JAZZER_FUZZ=1} this runs the committed inputs under
 * {@code src/test/resources/io/geostream/ingest/ImageDecodingFuzzTestInputs/decode/} as a regression test.
 */
class ImageDecodingFuzzTest {
    private static final ImageEncoding[] ENCODINGS = ImageEncoding.values();

    @FuzzTest(maxDuration = "30m")
    void decode(byte[] input) {
        if (input.length < 5) return;
        ImageEncoding enc = ENCODINGS[(input[0] & 0xff) % ENCODINGS.length];
        int width = (short) (((input[1] & 0xff) << 8) | (input[2] & 0xff));
        int height = (short) (((input[3] & 0xff) << 8) | (input[4] & 0xff));
        byte[] image = Arrays.copyOfRange(input, 5, input.length);

        for (boolean png : new boolean[] {true, false}) {
            try {
                ImageHeaders.ImageHeader h = png ? ImageHeaders.png(image) : ImageHeaders.jpeg(image);
                assertThat(h.width()).isPositive();
                assertThat(h.height()).isPositive();
            } catch (FrameRejectedException e) {
                assertThat(e.reason()).isEqualTo(RejectReason.IMAGE_CORRUPT);
            }
        }
        try {
            RgbImage rgb = ImageDecoder.decode(enc, image, width, height, FrameEventFuzzTest.LIMITS);
            assertThat(rgb.width()).isEqualTo(width);
            assertThat(rgb.height()).isEqualTo(height);
            assertThat(rgb.rgb()).hasSize(width * height * 3);
        } catch (FrameRejectedException e) {
            assertThat(e.reason()).isNotNull();
        }
    }
}
