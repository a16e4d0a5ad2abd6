package io.geostream.produce;

import io.geostream.avro.Intrinsics;
import io.geostream.cli.GeostreamCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The image-folder source (name order, exact pixels, 1/fps apart, typed errors) and the producer's pure parts. */
class ImageFolderSourceTest {

    /** Writes a lossless PNG of one colour with a marker pixel at (1, 0). */
    static void writePng(Path file, int w, int h, int rgb) throws Exception {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) image.setRGB(x, y, rgb);
        image.setRGB(1, 0, 0x010203);
        ImageIO.write(image, "png", file.toFile());
    }

    @Test
    void readsTheFolderInNameOrderWithExactPixelsAndFrameTimes(@TempDir Path dir) throws Exception {
        // Written out of order, with a non-image beside them that must be skipped.
        writePng(dir.resolve("frame-002.png"), 8, 6, 0x0000ff);
        writePng(dir.resolve("frame-000.png"), 8, 6, 0xff0000);
        writePng(dir.resolve("frame-001.PNG"), 8, 6, 0x00ff00);
        Files.writeString(dir.resolve("notes.txt"), "not a frame");
        try (FrameSource source = FrameSources.open(dir.toString(), 25)) {
            assertThat(source.lengthInFrames()).isEqualTo(3);
            assertThat(source.frameRate()).isEqualTo(25);
            assertThat(source.live()).isFalse();
            int[][] expectedFirstPixel = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
            for (int i = 0; i < 3; i++) {
                SourceFrame f = source.next();
                assertThat(f).as("frame %d", i).isNotNull();
                assertThat(f.width()).isEqualTo(8);
                assertThat(f.height()).isEqualTo(6);
                assertThat(f.timestampMicros()).isEqualTo(i * 40_000L);
                assertThat(new int[] {f.rgb()[0] & 0xff, f.rgb()[1] & 0xff, f.rgb()[2] & 0xff}).isEqualTo(expectedFirstPixel[i]);
                // The marker pixel proves the channel order is R, G, B and rows are not flipped.
                assertThat(new int[] {f.rgb()[3], f.rgb()[4], f.rgb()[5]}).isEqualTo(new int[] {1, 2, 3});
            }
            assertThat(source.next()).isNull();
        }
    }

    @Test
    void missingEmptyOrCorruptFoldersAreTypedErrors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> FrameSources.open(dir.resolve("absent").toString(), 30))
                .isInstanceOf(FrameSourceException.class).hasMessageContaining("absent");
        assertThatThrownBy(() -> FrameSources.open(dir.toString(), 30))
                .isInstanceOf(FrameSourceException.class).hasMessageContaining("no images");
        Files.write(dir.resolve("0.jpg"), new byte[] {(byte) 0xff, (byte) 0xd8, 1, 2, 3});
        try (FrameSource source = FrameSources.open(dir.toString(), 30)) {
            assertThatThrownBy(source::next).isInstanceOf(FrameSourceException.class).hasMessageContaining("0.jpg");
        }
    }

    @Test
    void resizeAveragesAndKeepsColour() {
        byte[] rgb = new byte[4 * 2 * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) 200;
            rgb[i + 1] = 100;
            rgb[i + 2] = 50;
        }
        byte[] small = OpenCvImages.resizeRgb(rgb, 4, 2, 2, 1);
        assertThat(small).containsExactly(200, 100, 50, 200, 100, 50);
    }

    @Test
    void intrinsicsScaleWithTheImageAroundPixelCentres() {
        Intrinsics k = Intrinsics.newBuilder().setFx(800).setFy(810).setCx(479.5).setCy(269.5).build();
        Intrinsics s = CameraProducer.scaledIntrinsics(k, 960, 540, 320, 180);
        assertThat(s.getFx()).isCloseTo(800 / 3.0, within(1e-9));
        assertThat(s.getFy()).isCloseTo(270, within(1e-9));
        // The exact image centre stays the exact image centre.
        assertThat(s.getCx()).isCloseTo(159.5, within(1e-9));
        assertThat(s.getCy()).isCloseTo(89.5, within(1e-9));
    }

    @Test
    void usageErrorsExitWith2AndAMissingSourceWith1(@TempDir Path dir) {
        String missing = dir.resolve("absent.mp4").toString();
        assertThat(GeostreamCli.execute("produce", "--stream", "cam")).isEqualTo(2);
        assertThat(GeostreamCli.execute("produce", "--source", missing, "--stream", "bad id")).isEqualTo(2);
        assertThat(GeostreamCli.execute("produce", "--source", missing, "--stream", "cam", "--resize", "320")).isEqualTo(2);
        assertThat(GeostreamCli.execute("produce", "--source", missing, "--stream", "cam", "--fx", "500")).isEqualTo(2);
        assertThat(GeostreamCli.execute("produce", "--source", missing, "--stream", "cam", "--jpeg-quality", "0")).isEqualTo(2);
        assertThat(GeostreamCli.execute("produce", "--source", missing, "--stream", "cam", "--realtime",
                "--as-fast-as-possible")).isEqualTo(2);
        assertThat(GeostreamCli.execute("produce", "--source", missing, "--stream", "cam", "--distortion", "FISHEYE:1,2")).isEqualTo(2);
        assertThat(GeostreamCli.execute("produce", "--source", missing, "--stream", "cam", "--no-progress")).isEqualTo(1);
    }
}
