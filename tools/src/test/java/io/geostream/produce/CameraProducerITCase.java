package io.geostream.produce;

import io.geostream.avro.FrameEvent;
import io.geostream.avro.ImageEncoding;
import io.geostream.cli.GeostreamCli;
import io.geostream.demo.CommittedOutput;
import io.geostream.embedded.EmbeddedKafka;
import io.geostream.embedded.EmbeddedS3;
import io.geostream.storage.S3Settings;
import io.geostream.storage.S3ObjectStore;
import org.apache.kafka.clients.producer.KafkaProducer;
import io.geostream.ingest.FrameValidator;
import io.geostream.ingest.ImageDecoder;
import io.geostream.ingest.ObjectFetcher;
import io.geostream.ingest.ValidatedFrame;
import io.geostream.ingest.IngestSettings;
import io.geostream.ingest.RgbImage;
import io.geostream.schemas.SingleObjectCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Random;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code geostream produce} against the in-process Kafka broker: the real DAVIS clip through FFmpeg, and
 * an image folder with intrinsics, read back as the job would read them.
 */
class CameraProducerITCase {
    static final int CLIP_FRAMES = io.geostream.testing.RepoFiles.CLIP_FRAMES;
    static final double CLIP_FPS = io.geostream.testing.RepoFiles.CLIP_FPS;

    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().dataDir(tmp.resolve("kafka")));
        kafka.createTopics(Map.of("frames.clip", 1, "frames.folder", 1, "frames.claim", 1));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) kafka.close();
    }

    static Path clip() {
        return io.geostream.testing.RepoFiles.davisClip();
    }

    static List<FrameEvent> readBack(String topic) throws Exception {
        List<FrameEvent> events = new ArrayList<>();
        for (byte[] v : CommittedOutput.readAll(kafka.bootstrapServers(), topic)) {
            events.add(SingleObjectCodec.frameEvents().decode(v));
        }
        return events;
    }

    static RgbImage decode(FrameEvent e) throws Exception {
        ByteBuffer data = e.getImage().getData();
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        return ImageDecoder.decode(e.getImage().getEncoding(), bytes, e.getImage().getWidth(), e.getImage().getHeight(),
                IngestSettings.defaults());
    }

    @Test
    void publishesTheRealClipResizedWithCaptureTimesAtItsFrameRate() throws Exception {
        Path clip = clip();
        io.geostream.testing.CliRun run = io.geostream.testing.CliRun.of("produce", "--source", clip.toString(), "--stream",
                "davis-1", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "frames.clip",
                "--resize", "320x180", "--as-fast-as-possible", "--jpeg-quality", "85");
        assertThat(run.exitCode()).isZero();
        // The progress bar on stderr; stdout is the one result line.
        assertThat(run.result()).containsEntry("stream", "davis-1").containsEntry("topic", "frames.clip")
                .containsEntry("frames", String.valueOf(CLIP_FRAMES)).containsKeys("jpeg_bytes", "fps");

        List<FrameEvent> events = readBack("frames.clip");
        assertThat(events).hasSize(CLIP_FRAMES + 1);
        long period = Math.round(1e6 / CLIP_FPS);
        double meanRed = 0;
        for (int i = 0; i < CLIP_FRAMES; i++) {
            FrameEvent e = events.get(i);
            assertThat(e.getStreamId()).isEqualTo("davis-1");
            assertThat(e.getFrameIndex()).as("index").isEqualTo(i);
            assertThat(e.getEndOfStream()).isFalse();
            assertThat(e.getImage().getEncoding()).isEqualTo(ImageEncoding.JPEG);
            assertThat(e.getImage().getRef()).isNull();
            assertThat(e.getIntrinsics()).isNull();
            RgbImage image = decode(e);
            assertThat(image.width()).isEqualTo(320);
            assertThat(image.height()).isEqualTo(180);
            if (i > 0) {
                // 24 fps from the video's own timestamps (sent as fast as possible, so not from the wall clock).
                assertThat(e.getCaptureTimeMicros() - events.get(i - 1).getCaptureTimeMicros()).as("frame %d step", i)
                        .isBetween(period - 2, period + 2);
            }
            meanRed += image.pixel(160, 90)[0];
        }
        assertThat(events.get(CLIP_FRAMES - 1).getCaptureTimeMicros() - events.get(0).getCaptureTimeMicros())
                .isCloseTo(Math.round((CLIP_FRAMES - 1) * 1e6 / CLIP_FPS), within(3L));
        // Real pictures, not blank frames: a flat grey or black image would give the same value everywhere.
        RgbImage first = decode(events.get(0));
        assertThat(first.pixel(10, 10)).isNotEqualTo(first.pixel(310, 170));
        assertThat(meanRed / CLIP_FRAMES).isBetween(1.0, 254.0);

        // The job's own ingest validation accepts every event, the marker included.
        FrameValidator validator = new FrameValidator(IngestSettings.defaults());
        for (FrameEvent e : events) {
            assertThat(validator.validate(e).frameIndex()).isEqualTo(e.getFrameIndex());
        }

        FrameEvent end = events.get(CLIP_FRAMES);
        assertThat(end.getEndOfStream()).isTrue();
        assertThat(end.getFrameIndex()).isEqualTo(CLIP_FRAMES);
        assertThat(end.getImage().getEncoding()).isEqualTo(ImageEncoding.NONE);
        assertThat(end.getCaptureTimeMicros()).isGreaterThan(events.get(CLIP_FRAMES - 1).getCaptureTimeMicros());
    }

    @Test
    void publishesAnImageFolderWithScaledIntrinsicsUpToMaxFrames() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("folder"));
        for (int i = 0; i < 5; i++) {
            ImageFolderSourceTest.writePng(folder.resolve(String.format("%03d.png", i)), 64, 48, 0x204060 + i * 0x101010);
        }
        int rc = GeostreamCli.execute("produce", "--source", folder.toString(), "--stream", "folder-cam",
                "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "frames.folder", "--fps", "10",
                "--resize", "32x24", "--fx", "60", "--fy", "62", "--cx", "31.5", "--cy", "23.5",
                "--distortion", "PLUMB_BOB:0.1,-0.05,0,0", "--max-frames", "4", "--realtime", "--no-progress");
        assertThat(rc).isZero();

        List<FrameEvent> events = readBack("frames.folder");
        assertThat(events).hasSize(5);
        for (int i = 0; i < 4; i++) {
            FrameEvent e = events.get(i);
            assertThat(e.getFrameIndex()).isEqualTo(i);
            assertThat(e.getIntrinsics().getFx()).isCloseTo(30, within(1e-9));
            assertThat(e.getIntrinsics().getFy()).isCloseTo(31, within(1e-9));
            assertThat(e.getIntrinsics().getCx()).isCloseTo(15.5, within(1e-9));
            assertThat(e.getIntrinsics().getCy()).isCloseTo(11.5, within(1e-9));
            assertThat(e.getDistortion().getCoefficients()).containsExactly(0.1, -0.05, 0.0, 0.0);
            RgbImage image = decode(e);
            assertThat(image.width()).isEqualTo(32);
            // Colour survives resize and JPEG: frame i's red channel is 0x20 + 16 i (JPEG error a few levels).
            assertThat(image.pixel(16, 12)[0]).isCloseTo(0x20 + 16 * i, within(6));
            if (i > 0) {
                assertThat(e.getCaptureTimeMicros() - events.get(i - 1).getCaptureTimeMicros()).isEqualTo(100_000L);
            }
        }
        assertThat(events.get(4).getEndOfStream()).isTrue();
        assertThat(events.get(4).getFrameIndex()).isEqualTo(4);
    }

    @Test
    void claimChecksFramesOverTheThresholdWithUriSizeAndSha256() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("claim"));
        Random random = new Random(5);
        for (int i = 0; i < 4; i++) {
            java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(64, 48, java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 48; y++) {
                for (int x = 0; x < 64; x++) {
                    // Odd frames are noise (JPEG of several KB), even frames flat (a few hundred bytes).
                    image.setRGB(x, y, i % 2 == 1 ? random.nextInt(0x1000000) : 0x808080);
                }
            }
            javax.imageio.ImageIO.write(image, "png", folder.resolve(i + ".png").toFile());
        }
        try (EmbeddedS3 s3 = EmbeddedS3.start(tmp.resolve("s3"), 0, "it-access", "it-secret-key")) {
            s3.createBucket("frames");
            S3Settings config = new S3Settings(s3.endpoint().toString(), null, "frames", "it-access", "it-secret-key", true);
            try (S3ObjectStore store = new S3ObjectStore(config);
                 KafkaProducer<byte[], byte[]> producer = CameraProducer.kafkaProducer(kafka.bootstrapServers(), Map.of());
                 FrameSource source = FrameSources.open(folder.toString(), 30)) {
                ProducerSettings settings = ProducerSettings.of("claim-cam", "frames.claim").withRealtime(false).withClaimCheckOver(2000);
                CameraProducer.Result result = new CameraProducer(producer, store, settings).run(source, null);
                assertThat(result.frames()).isEqualTo(4);
                assertThat(result.claimChecked()).isEqualTo(2);

                List<FrameEvent> events = readBack("frames.claim");
                assertThat(events).hasSize(5);
                for (int i = 0; i < 4; i++) {
                    FrameEvent e = events.get(i);
                    if (i % 2 == 0) {
                        assertThat(e.getImage().getRef()).as("flat frame %d inline", i).isNull();
                        assertThat(decode(e).width()).isEqualTo(64);
                        continue;
                    }
                    assertThat(e.getImage().getData()).as("noisy frame %d by reference", i).isNull();
                    String uri = e.getImage().getRef().getUri();
                    assertThat(uri).startsWith("s3://frames/input/claim-cam/");
                    byte[] stored = store.get(store.keyOf(uri).orElseThrow());
                    assertThat(stored.length).isGreaterThan(2000).isEqualTo((int) e.getImage().getRef().getSizeBytes());
                    assertThat(e.getImage().getRef().getSha256())
                            .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored)));
                    RgbImage image = ImageDecoder.decode(ImageEncoding.JPEG, stored, 64, 48, IngestSettings.defaults());
                    assertThat(image.height()).isEqualTo(48);
                }
                assertThat(events.get(4).getEndOfStream()).isTrue();
                // The job's ingest (claim checks on, this bucket only) fetches and verifies every reference.
                FrameValidator validator = new FrameValidator(IngestSettings.defaults(), ObjectFetcher.fromStore(store), "frames");
                for (int i = 0; i < 4; i++) {
                    ValidatedFrame v = validator.validate(events.get(i));
                    assertThat(v.endOfStream()).isFalse();
                }
            }
        }
    }

    @Test
    void aFrameOfAnotherAspectRatioThanTheCalibrationEndsTheCameraWithItsMarker(@TempDir Path folder) throws Exception {
        // Three 16:9 frames, then a 4:3 one (a camera that came back in another mode), intrinsics calibrated at 128x72.
        for (int i = 0; i < 4; i++) {
            int h = i < 3 ? 36 : 48;
            java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(64, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
            javax.imageio.ImageIO.write(image, "png", folder.resolve(i + ".png").toFile());
        }
        kafka.createTopics(Map.of("frames.modes", 1));
        io.geostream.avro.Intrinsics k = io.geostream.avro.Intrinsics.newBuilder().setFx(100).setFy(100).setCx(63.5).setCy(35.5).build();
        ProducerSettings settings = ProducerSettings.of("mode-cam", "frames.modes").withRealtime(false).withIntrinsics(k)
                .withIntrinsicsSize(128, 72);
        try (KafkaProducer<byte[], byte[]> producer = CameraProducer.kafkaProducer(kafka.bootstrapServers(), Map.of());
             FrameSource source = FrameSources.open(folder.toString(), 30)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CameraProducer(producer, null, settings).run(source, null))
                    .isInstanceOf(FrameSourceException.class).hasMessageContainingAll("64x48", "128x72", "crop");
        }
        List<FrameEvent> events = readBack("frames.modes");
        assertThat(events).hasSize(4);
        for (int i = 0; i < 3; i++) {
            assertThat(events.get(i).getFrameIndex()).isEqualTo(i);
            assertThat(events.get(i).getIntrinsics().getFx()).isEqualTo(50);
            assertThat(events.get(i).getIntrinsics().getCx()).isEqualTo(31.5);
        }
        assertThat(events.get(3).getEndOfStream()).isTrue();
        assertThat(events.get(3).getFrameIndex()).isEqualTo(3);
    }
}
