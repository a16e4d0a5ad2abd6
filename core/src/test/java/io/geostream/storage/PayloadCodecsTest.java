package io.geostream.storage;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PayloadCodecsTest {
    private static final int W = 64;
    private static final int H = 48;

    @Test
    void npyHeaderIsExactlyNumpysFormat() {
        float[] data = {1.5f, -2f, Float.NaN, 0f, 3.25f, 7f};
        byte[] npy = PayloadCodecs.npyFloat32(data, 2, 3);
        assertThat(npy[0]).isEqualTo((byte) 0x93);
        assertThat(new String(npy, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
        assertThat(npy[6]).isEqualTo((byte) 1);
        assertThat(npy[7]).isEqualTo((byte) 0);
        int headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
        int dataStart = 10 + headerLength;
        assertThat(dataStart % 64).isZero();
        assertThat(dataStart).as("10 + 60-char dict + newline, padded like numpy does").isEqualTo(128);
        String header = new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
        assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
        assertThat(header).endsWith("\n");
        assertThat(header.substring(header.indexOf('}') + 1, header.length() - 1)).isBlank();
        assertThat(npy).hasSize(dataStart + 4 * data.length);
        ByteBuffer body = ByteBuffer.wrap(npy, dataStart, 24).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(body.getFloat()).isEqualTo(1.5f);
        assertThat(body.getFloat()).isEqualTo(-2f);
        // 1.5f little-endian: 00 00 C0 3F
        assertThat(new byte[]{npy[128], npy[129], npy[130], npy[131]}).containsExactly(0, 0, 0xC0, 0x3F);
    }

    @Test
    void npyShapesOfAnyRankRoundTrip() {
        float[] map = new float[H * W * 3];
        for (int i = 0; i < map.length; i++) {
            map[i] = i * 0.5f - 100;
        }
        NpyArray back = PayloadCodecs.readNpyFloat32(PayloadCodecs.npyFloat32(map, H, W, 3));
        assertThat(back.shape()).containsExactly(H, W, 3);
        assertThat(back.data()).containsExactly(map);

        byte[] oneD = PayloadCodecs.npyFloat32(new float[]{4f}, 1);
        assertThat(new String(oneD, 10, 60, StandardCharsets.US_ASCII)).contains("'shape': (1,), }");
        assertThat(PayloadCodecs.readNpyFloat32(oneD).shape()).containsExactly(1);
        byte[] scalar = PayloadCodecs.npyFloat32(new float[]{9f});
        assertThat(new String(scalar, 10, 60, StandardCharsets.US_ASCII)).contains("'shape': (), }");
        assertThat(PayloadCodecs.readNpyFloat32(scalar).data()).containsExactly(9f);
        assertThat(PayloadCodecs.readNpyFloat32(PayloadCodecs.npyFloat32(new float[0], 0, 5)).shape()).containsExactly(0, 5);
    }

    @Test
    void npyRejectsMismatchAndBadFiles() {
        assertThatThrownBy(() -> PayloadCodecs.npyFloat32(new float[5], 2, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PayloadCodecs.npyFloat32(new float[6], 2, -3)).isInstanceOf(IllegalArgumentException.class);
        byte[] ok = PayloadCodecs.npyFloat32(new float[6], 2, 3);
        byte[] truncated = java.util.Arrays.copyOf(ok, ok.length - 1);
        assertThatThrownBy(() -> PayloadCodecs.readNpyFloat32(truncated)).isInstanceOf(IllegalArgumentException.class);
        byte[] wrongType = ok.clone();
        int at = new String(wrongType, StandardCharsets.ISO_8859_1).indexOf("<f4");
        wrongType[at + 2] = '8';
        assertThatThrownBy(() -> PayloadCodecs.readNpyFloat32(wrongType)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PayloadCodecs.readNpyFloat32(new byte[]{1, 2, 3})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void depthPngRoundTripsWithinHalfAUnit() {
        float[] depth = new float[W * H];
        Random random = new Random(3);
        for (int i = 0; i < depth.length; i++) {
            depth[i] = 0.3f + random.nextFloat() * 9.5f;
        }
        depth[0] = Float.NaN;
        depth[1] = -1f;
        depth[2] = 0f;
        depth[3] = Float.POSITIVE_INFINITY;
        depth[4] = 1e-9f; // tiny but valid: clamps to 1 count, never to "invalid"
        double unit = PayloadCodecs.chooseDepthUnit(depth);
        byte[] png = PayloadCodecs.depthPng16(depth, W, H, unit);
        int[] counts = PayloadCodecs.readPng16(png);
        assertThat(counts).hasSize(W * H);
        assertThat(counts[0]).isZero();
        assertThat(counts[1]).isZero();
        assertThat(counts[2]).isZero();
        assertThat(counts[3]).isZero();
        assertThat(counts[4]).isEqualTo(1);
        int max = 0;
        for (int i = 5; i < depth.length; i++) {
            assertThat(counts[i] * unit).isCloseTo(depth[i], within(unit / 2 + 1e-7));
            max = Math.max(max, counts[i]);
        }
        assertThat(max).isEqualTo(65535);
        float[] far = {100_000f};
        assertThat(PayloadCodecs.readPng16(PayloadCodecs.depthPng16(far, 1, 1, 1.0))).containsExactly(65535);
    }

    @Test
    void pngsAre16BitGreyAnd8BitRgbAsDocumented() throws Exception {
        BufferedImage depth = ImageIO.read(new ByteArrayInputStream(PayloadCodecs.depthPng16(new float[W * H], W, H, 0.001)));
        assertThat(depth.getType()).isEqualTo(BufferedImage.TYPE_USHORT_GRAY);
        float[] normals = new float[W * H * 3];
        normals[0] = 1f;
        normals[1] = -1f;
        normals[2] = 0f;
        normals[3] = Float.NaN;
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(PayloadCodecs.normalsPng(normals, W, H)));
        assertThat(image.getRaster().getNumBands()).isEqualTo(3);
        assertThat(image.getRaster().getSampleModel().getSampleSize(0)).isEqualTo(8);
        assertThat(image.getRaster().getPixel(0, 0, (int[]) null)).containsExactly(255, 0, 128);
        assertThat(image.getRaster().getPixel(1, 0, (int[]) null)).containsExactly(0, 0, 0);
        assertThat(image.getRaster().getPixel(2, 0, (int[]) null)).containsExactly(128, 128, 128);
    }

    @Test
    void normalsRoundTripWithinTheQuantisationAndKeepNoNormal() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        float[] normals = new float[W * H * 3];
        for (int p = 0; p < normals.length; p += 3) {
            double x = random.nextGaussian(), y = random.nextGaussian(), z = random.nextGaussian();
            double len = Math.sqrt(x * x + y * y + z * z);
            normals[p] = (float) (x / len);
            normals[p + 1] = (float) (y / len);
            normals[p + 2] = (float) (z / len);
        }
        normals[3] = Float.NaN; // pixel 1: no normal
        float[] back = PayloadCodecs.readNormalsPng(PayloadCodecs.normalsPng(normals, W, H));
        assertThat(back).hasSize(normals.length);
        assertThat(back[3]).isNaN();
        assertThat(back[4]).isNaN();
        double worstDeg = 0;
        for (int p = 0; p < normals.length; p += 3) {
            if (p == 3) continue;
            double dot = normals[p] * back[p] + normals[p + 1] * back[p + 1] + normals[p + 2] * back[p + 2];
            assertThat(Math.sqrt(back[p] * back[p] + back[p + 1] * back[p + 1] + back[p + 2] * back[p + 2])).isCloseTo(1, within(1e-6));
            worstDeg = Math.max(worstDeg, Math.toDegrees(Math.acos(Math.min(1, dot))));
        }
        assertThat(worstDeg).as("8-bit quantisation error (docs/data.md: under 0.5 deg)").isLessThan(0.5).isGreaterThan(0);
        assertThatThrownBy(() -> PayloadCodecs.readNormalsPng(PayloadCodecs.depthPng16(new float[W * H], W, H, 1.0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jpegEncodesRgbInTheRightOrder() throws Exception {
        byte[] rgb = new byte[W * H * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) 220; // red
            rgb[i + 1] = 20;
            rgb[i + 2] = 30;
        }
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(PayloadCodecs.jpeg(rgb, W, H, 0.9f)));
        int[] p = image.getRaster().getPixel(10, 10, (int[]) null);
        assertThat(p[0]).isBetween(205, 235);
        assertThat(p[1]).isBetween(5, 35);
        assertThat(p[2]).isBetween(15, 45);
        assertThatThrownBy(() -> PayloadCodecs.jpeg(rgb, W, H, 1.5f)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * OpenCV's encoder gives the pixels javax.imageio's JPEG writer (the project's encoder before session 30) gives at
     * the same quality: both scale the IJG tables alike (0.92 is 92).
     */
    @Test
    void jpegHasThePixelsOfJavaxImageioAtTheSameQuality() throws Exception {
        Random random = new Random(12);
        byte[] rgb = new byte[W * H * 3];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int i = 3 * (y * W + x);
                rgb[i] = (byte) (x * 7 + random.nextInt(16));
                rgb[i + 1] = (byte) (y * 5 + random.nextInt(16));
                rgb[i + 2] = (byte) ((x ^ y) * 3 + random.nextInt(16));
            }
        }
        for (float quality : new float[] {0.5f, 0.92f}) {
            BufferedImage reference = new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR);
            byte[] bgr = ((java.awt.image.DataBufferByte) reference.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < rgb.length; i += 3) {
                bgr[i] = rgb[i + 2];
                bgr[i + 1] = rgb[i + 1];
                bgr[i + 2] = rgb[i];
            }
            javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (var out = new javax.imageio.stream.MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
                param.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(quality);
                writer.write(null, new javax.imageio.IIOImage(reference, null, null), param);
            } finally {
                writer.dispose();
            }
            byte[] ours = PayloadCodecs.jpeg(rgb, W, H, quality);
            int[] expected = ImageIO.read(new ByteArrayInputStream(bytes.toByteArray())).getRaster().getPixels(0, 0, W, H, (int[]) null);
            int[] actual = ImageIO.read(new ByteArrayInputStream(ours)).getRaster().getPixels(0, 0, W, H, (int[]) null);
            assertThat(actual).as("quality %s", quality).isEqualTo(expected);
            assertThat(ours.length).isBetween(bytes.size() - 16, bytes.size() + 16);
        }
    }

    /**
     * libpng in OpenCV (another PNG reader than javax.imageio) reads back the samples the writer put in, at the job's
     * size: 160x120 frames are several Huffman blocks each ({@link HuffmanDeflate#BLOCK_BYTES}).
     */
    @Test
    void pngsReadBackInLibpngToTheSamplesWritten() {
        int w = 160, h = 120;
        Random random = new Random(13);
        float[] depth = new float[w * h];
        float[] normals = new float[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            depth[i] = i % 17 == 0 ? Float.NaN : (float) (1.5 + 0.02 * (i % w) + 0.01 * random.nextGaussian());
            double x = 0.3 * random.nextGaussian(), y = 0.3 * random.nextGaussian(), z = -1;
            double n = Math.sqrt(x * x + y * y + z * z);
            normals[3 * i] = (float) (x / n);
            normals[3 * i + 1] = (float) (y / n);
            normals[3 * i + 2] = (float) (z / n);
        }
        double unit = PayloadCodecs.chooseDepthUnit(depth);
        byte[] depthSamples = PayloadCodecs.depthSamples16(depth, unit);
        byte[] normalSamples = PayloadCodecs.normalsSamples(normals);
        assertThat(depthSamples.length + 1).isGreaterThan(2 * HuffmanDeflate.BLOCK_BYTES);
        try (org.bytedeco.javacpp.BytePointer depthBytes = new org.bytedeco.javacpp.BytePointer(PayloadCodecs.depthPng16(depth, w, h, unit));
             org.bytedeco.javacpp.BytePointer normalBytes = new org.bytedeco.javacpp.BytePointer(PayloadCodecs.normalsPng(normals, w, h));
             org.bytedeco.opencv.opencv_core.Mat depthFile = new org.bytedeco.opencv.opencv_core.Mat(depthBytes);
             org.bytedeco.opencv.opencv_core.Mat normalFile = new org.bytedeco.opencv.opencv_core.Mat(normalBytes);
             org.bytedeco.opencv.opencv_core.Mat d = org.bytedeco.opencv.global.opencv_imgcodecs.imdecode(depthFile,
                     org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED);
             org.bytedeco.opencv.opencv_core.Mat n = org.bytedeco.opencv.global.opencv_imgcodecs.imdecode(normalFile,
                     org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED);
             org.bytedeco.javacpp.indexer.UShortIndexer di = d.createIndexer();
             org.bytedeco.javacpp.indexer.UByteIndexer ni = n.createIndexer()) {
            assertThat(new int[] {d.cols(), d.rows(), d.channels(), d.depth()})
                    .containsExactly(w, h, 1, org.bytedeco.opencv.global.opencv_core.CV_16U);
            assertThat(new int[] {n.cols(), n.rows(), n.channels(), n.depth()})
                    .containsExactly(w, h, 3, org.bytedeco.opencv.global.opencv_core.CV_8U);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = y * w + x;
                    int written = ((depthSamples[2 * i] & 0xff) << 8) | (depthSamples[2 * i + 1] & 0xff);
                    assertThat(di.get(y, x)).as("depth at %d, %d", x, y).isEqualTo(written);
                    for (int c = 0; c < 3; c++) {
                        // OpenCV orders colour channels BGR.
                        assertThat(ni.get(y, x, 2 - c)).as("normal at %d, %d", x, y).isEqualTo(normalSamples[3 * i + c] & 0xff);
                    }
                }
            }
        }
    }

    @Test
    void encodersAreDeterministic() {
        Random random = new Random(11);
        float[] depth = new float[W * H];
        float[] normals = new float[W * H * 3];
        byte[] rgb = new byte[W * H * 3];
        for (int i = 0; i < depth.length; i++) {
            depth[i] = random.nextFloat() * 5;
        }
        for (int i = 0; i < normals.length; i++) {
            normals[i] = random.nextFloat() * 2 - 1;
        }
        random.nextBytes(rgb);
        assertThat(PayloadCodecs.npyFloat32(depth, H, W)).isEqualTo(PayloadCodecs.npyFloat32(depth.clone(), H, W));
        assertThat(PayloadCodecs.depthPng16(depth, W, H, 0.001)).isEqualTo(PayloadCodecs.depthPng16(depth.clone(), W, H, 0.001));
        assertThat(PayloadCodecs.normalsPng(normals, W, H)).isEqualTo(PayloadCodecs.normalsPng(normals.clone(), W, H));
        assertThat(PayloadCodecs.jpeg(rgb, W, H, 0.9f)).isEqualTo(PayloadCodecs.jpeg(rgb.clone(), W, H, 0.9f));
    }

    @Test
    void chooseDepthUnitIsNeverZero() {
        assertThat(PayloadCodecs.chooseDepthUnit(new float[]{Float.NaN, -1, 0})).isEqualTo(1.0);
        assertThat(PayloadCodecs.chooseDepthUnit(new float[0])).isEqualTo(1.0);
        assertThat(PayloadCodecs.chooseDepthUnit(new float[]{Float.MIN_VALUE})).isPositive();
        assertThat(PayloadCodecs.chooseDepthUnit(new float[]{1f, 65.535f, Float.POSITIVE_INFINITY})).isCloseTo(0.001, within(1e-9));
    }

    @Test
    void checksArguments() {
        assertThatThrownBy(() -> PayloadCodecs.depthPng16(new float[W * H], W, H, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PayloadCodecs.depthPng16(new float[W * H], W, H, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PayloadCodecs.depthPng16(new float[3], W, H, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PayloadCodecs.normalsPng(new float[W * H], W, H)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PayloadCodecs.readPng16(PayloadCodecs.normalsPng(new float[W * H * 3], W, H)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PayloadCodecs.readPng16(new byte[]{1, 2})).isInstanceOf(IllegalArgumentException.class);
    }
}
