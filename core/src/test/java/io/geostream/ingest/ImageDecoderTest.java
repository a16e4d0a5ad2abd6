package io.geostream.ingest;

import io.geostream.avro.ImageEncoding;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.geostream.ingest.TestImages.H;
import static io.geostream.ingest.TestImages.W;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ImageDecoderTest {
    private static final IngestSettings LIMITS = IngestSettings.defaults();
    private final byte[] rgb = TestImages.gradientRgb(W, H);

    @Test
    void decodesPngExactly() throws Exception {
        RgbImage image = ImageDecoder.decode(ImageEncoding.PNG, TestImages.png(rgb, W, H), W, H, LIMITS);
        assertThat(image.width()).isEqualTo(W);
        assertThat(image.height()).isEqualTo(H);
        assertThat(image.rgb()).isEqualTo(rgb);
        assertThat(image.pixel(W - 1, 0)).containsExactly(255, 0, 128);
    }

    @Test
    void decodesJpegApproximatelyInRgbOrder() throws Exception {
        RgbImage image = ImageDecoder.decode(ImageEncoding.JPEG, TestImages.jpeg(rgb, W, H), W, H, LIMITS);
        assertThat(image.width()).isEqualTo(W);
        assertThat(image.height()).isEqualTo(H);
        assertThat(TestImages.meanAbsDiff(image.rgb(), rgb)).isLessThan(3.0);
        int[] corner = image.pixel(W - 1, 0); // red-ish: proves R and B were not swapped
        assertThat(corner[0]).isGreaterThan(230);
        assertThat(corner[1]).isLessThan(25);
        assertThat(corner[2]).isBetween(100, 156);
    }

    @Test
    void decodesRawAndChecksItsLength() throws Exception {
        RgbImage image = ImageDecoder.decode(ImageEncoding.RAW_RGB8, rgb, W, H, LIMITS);
        assertThat(image.rgb()).isEqualTo(rgb);
        assertReason(ImageEncoding.RAW_RGB8, Arrays.copyOf(rgb, rgb.length - 1), W, H, LIMITS, RejectReason.RAW_SIZE_MISMATCH);
        assertReason(ImageEncoding.RAW_RGB8, rgb, W, H - 1, LIMITS, RejectReason.RAW_SIZE_MISMATCH);
    }

    @Test
    void checksDeclaredSizeFirst() {
        assertReason(ImageEncoding.PNG, null, 0, H, LIMITS, RejectReason.INVALID_DIMENSIONS);
        assertReason(ImageEncoding.PNG, null, W, -1, LIMITS, RejectReason.INVALID_DIMENSIONS);
        assertReason(ImageEncoding.PNG, null, 8193, 10, LIMITS, RejectReason.IMAGE_TOO_LARGE);
        assertReason(ImageEncoding.PNG, null, 8192, 8192, LIMITS, RejectReason.IMAGE_TOO_LARGE); // > 8K UHD pixels
        // 65536 * 65536 overflows int to 0: the pixel count must be computed as a long
        IngestSettings wide = new IngestSettings(Integer.MAX_VALUE, Integer.MAX_VALUE, 1_000_000, 1 << 20, 4, 16);
        assertReason(ImageEncoding.RAW_RGB8, new byte[0], 65536, 65536, wide, RejectReason.IMAGE_TOO_LARGE);
        assertReason(ImageEncoding.PNG, null, W, H, LIMITS, RejectReason.IMAGE_MISSING);
        assertReason(ImageEncoding.PNG, new byte[0], W, H, LIMITS, RejectReason.IMAGE_MISSING);
        IngestSettings small = new IngestSettings(8192, 8192, 1 << 20, 100, 4, 16);
        assertReason(ImageEncoding.PNG, TestImages.png(rgb, W, H), W, H, small, RejectReason.IMAGE_TOO_LARGE);
    }

    @Test
    void rejectsAPngBombBeforeNativeDecoding() {
        byte[] png = TestImages.png(rgb, W, H);
        writeInt(png, 16, 100_000);
        writeInt(png, 20, 100_000);
        long before = ImageDecoder.NATIVE_DECODE_CALLS.get();
        assertReason(ImageEncoding.PNG, png, W, H, LIMITS, RejectReason.IMAGE_SIZE_MISMATCH);
        assertReason(ImageEncoding.PNG, png, 100_000, 100_000, LIMITS, RejectReason.IMAGE_TOO_LARGE);
        assertThat(ImageDecoder.NATIVE_DECODE_CALLS.get()).isEqualTo(before);
        assertThat(catchThrowableOfType(FrameRejectedException.class, () -> ImageHeaders.png(png)))
                .isNull(); // the header itself is well-formed; only the size gives it away
    }

    @Test
    void rejectsHeaderSizeMismatchForJpegBeforeNativeDecoding() {
        long before = ImageDecoder.NATIVE_DECODE_CALLS.get();
        assertReason(ImageEncoding.JPEG, TestImages.jpeg(rgb, W, H), W + 1, H, LIMITS, RejectReason.IMAGE_SIZE_MISMATCH);
        assertThat(ImageDecoder.NATIVE_DECODE_CALLS.get()).isEqualTo(before);
    }

    @Test
    void rejectsEveryTruncationOfAJpeg() {
        byte[] jpeg = TestImages.jpeg(rgb, W, H);
        for (int len = 0; len < jpeg.length - 1; len++) {
            assertReason(ImageEncoding.JPEG, Arrays.copyOf(jpeg, len), W, H, LIMITS,
                    len == 0 ? RejectReason.IMAGE_MISSING : RejectReason.IMAGE_CORRUPT);
        }
    }

    @Test
    void corruptJpegBodyIsRejectedOrDecodedButNeverCrashes() throws Exception {
        byte[] jpeg = TestImages.jpeg(rgb, W, H);
        int sos = indexOf(jpeg, (byte) 0xFF, (byte) 0xDA);
        // Destroy the Huffman tables' segment content: libjpeg fails on the bad tables.
        int dht = indexOf(jpeg, (byte) 0xFF, (byte) 0xC4);
        byte[] badTables = jpeg.clone();
        Arrays.fill(badTables, dht + 4, dht + 20, (byte) 0xFF);
        assertReason(ImageEncoding.JPEG, badTables, W, H, LIMITS, RejectReason.IMAGE_CORRUPT);
        // Garbage entropy data with a valid end marker: either rejected as corrupt or decoded to W x H.
        byte[] garbage = jpeg.clone();
        for (int i = sos + 20; i < garbage.length - 2; i += 7) {
            garbage[i] = (byte) 0xA5;
        }
        try {
            RgbImage image = ImageDecoder.decode(ImageEncoding.JPEG, garbage, W, H, LIMITS);
            assertThat(image.rgb()).hasSize(W * H * 3);
        } catch (FrameRejectedException e) {
            assertThat(e.reason()).isEqualTo(RejectReason.IMAGE_CORRUPT);
        }
    }

    @Test
    void corruptPngDataIsRejected() {
        byte[] png = TestImages.png(rgb, W, H);
        int idat = indexOf(png, (byte) 'I', (byte) 'D', (byte) 'A', (byte) 'T');
        byte[] broken = png.clone();
        for (int i = idat + 4; i < idat + 40; i++) {
            broken[i] ^= 0x5A;
        }
        assertReason(ImageEncoding.PNG, broken, W, H, LIMITS, RejectReason.IMAGE_CORRUPT);
        assertReason(ImageEncoding.PNG, Arrays.copyOf(png, png.length / 2), W, H, LIMITS, RejectReason.IMAGE_CORRUPT);
    }

    @Test
    void rejectsBytesOfAnotherFormatAndUnsupportedEncodings() {
        assertReason(ImageEncoding.JPEG, TestImages.png(rgb, W, H), W, H, LIMITS, RejectReason.IMAGE_CORRUPT);
        assertReason(ImageEncoding.PNG, TestImages.jpeg(rgb, W, H), W, H, LIMITS, RejectReason.IMAGE_CORRUPT);
        assertReason(ImageEncoding.UNKNOWN, rgb, W, H, LIMITS, RejectReason.UNSUPPORTED_ENCODING);
        assertReason(ImageEncoding.NONE, rgb, W, H, LIMITS, RejectReason.UNSUPPORTED_ENCODING);
    }

    @Test
    void jpegHeaderSnifferHandlesHostileInput() throws Exception {
        byte[] jpeg = TestImages.jpeg(rgb, W, H);
        assertThat(ImageHeaders.jpeg(jpeg)).isEqualTo(new ImageHeaders.ImageHeader("JPEG", W, H));
        assertThat(ImageHeaders.png(TestImages.png(rgb, W, H))).isEqualTo(new ImageHeaders.ImageHeader("PNG", W, H));
        // A segment length pointing far past the end, only fill bytes, a scan before any frame header.
        byte[][] hostile = {
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, (byte) 0xFF, (byte) 0xFF},
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDA, 0, 2},
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 1},
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 17, 8, 0},
        };
        for (byte[] bytes : hostile) {
            FrameRejectedException e = catchThrowableOfType(FrameRejectedException.class, () -> ImageHeaders.jpeg(bytes));
            assertThat(e).as(Arrays.toString(bytes)).isNotNull();
            assertThat(e.reason()).isEqualTo(RejectReason.IMAGE_CORRUPT);
        }
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] bytes = jpeg.clone();
            bytes[2 + random.nextInt(200)] = (byte) random.nextInt(256);
            try {
                ImageHeaders.jpeg(bytes);
            } catch (FrameRejectedException e) {
                assertThat(e.reason()).isEqualTo(RejectReason.IMAGE_CORRUPT);
            }
        }
    }

    static void assertReason(ImageEncoding enc, byte[] data, int w, int h, IngestSettings limits, RejectReason reason) {
        FrameRejectedException e = catchThrowableOfType(FrameRejectedException.class,
                () -> ImageDecoder.decode(enc, data, w, h, limits));
        assertThat(e).as("expected %s for %s %dx%d (%s bytes)", reason, enc, w, h, data == null ? null : data.length).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
    }

    private static void writeInt(byte[] b, int offset, int value) {
        b[offset] = (byte) (value >>> 24);
        b[offset + 1] = (byte) (value >>> 16);
        b[offset + 2] = (byte) (value >>> 8);
        b[offset + 3] = (byte) value;
    }

    static int indexOf(byte[] haystack, byte... needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void aTruncatedPngIsRefusedBeforeTheNativeDecoder() {
        byte[] png = TestImages.png(rgb, W, H);
        assertThat(ImageHeaders.pngIsComplete(png)).isTrue();
        long before = ImageDecoder.NATIVE_DECODE_CALLS.get();
        for (int cut : new int[] {png.length - 1, png.length - 12, png.length / 2, 40}) {
            byte[] truncated = Arrays.copyOf(png, cut);
            assertThat(ImageHeaders.pngIsComplete(truncated)).as("cut at %d", cut).isFalse();
            assertReason(ImageEncoding.PNG, truncated, W, H, LIMITS, RejectReason.IMAGE_CORRUPT);
        }
        assertThat(ImageDecoder.NATIVE_DECODE_CALLS.get()).isEqualTo(before);
    }
}
