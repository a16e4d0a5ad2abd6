package io.geostream.produce;

import io.geostream.avro.FrameEvent;
import io.geostream.demo.CommittedOutput;
import io.geostream.embedded.EmbeddedKafka;
import io.geostream.ingest.FrameValidator;
import io.geostream.ingest.IngestSettings;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.testing.CliRun;
import io.geostream.testing.RtspTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code geostream produce --cameras}: an RTSP camera (a real RTSP server, GStreamer's, that is killed for a few seconds
 * and started again) and a looped image folder, both into the in-process Kafka broker through one producer.
 */
class MultiCameraProducerITCase {
    static final int RTSP_FPS = 10;

    static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    static long framesOf(EmbeddedKafka kafka, String stream) throws Exception {
        long n = 0;
        for (byte[] v : CommittedOutput.readAll(kafka.bootstrapServers(), "frames.multi")) {
            if (SingleObjectCodec.frameEvents().decode(v).getStreamId().equals(stream)) n++;
        }
        return n;
    }

    @Test
    void anRtspCameraThatDropsOutComesBackWithFrameIndicesGoingOnAndAGapInCaptureTime(@TempDir Path tmp) throws Exception {
        RtspTestServer.assumeAvailable();
        Path folder = Files.createDirectories(tmp.resolve("yard"));
        for (int i = 0; i < 10; i++) {
            ImageFolderSourceTest.writePng(folder.resolve(String.format("%03d.png", i)), 64, 48, 0x204060 + i * 0x050505);
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().dataDir(tmp.resolve("kafka")));
             RtspTestServer camera = RtspTestServer.start(RTSP_FPS)) {
            kafka.createTopics(Map.of("frames.multi", 2));
            Path config = Files.writeString(tmp.resolve("cameras.yaml"), """
                    topic: frames.multi
                    reconnect_backoff_s: 0.2
                    reconnect_backoff_max_s: 1
                    cameras:
                      - stream: gate
                        source: %s
                        intrinsics: {fx: 150, fy: 150, cx: 79.5, cy: 59.5}
                        max_frames: 150       # ends the run: ~15 s of stream, the outage in between
                      - stream: yard
                        source: yard          # relative to this file
                        fps: 10
                        loop: true
                        max_frames: 40
                        resize: 32x24
                    """.formatted(camera.url()));

            // The run ends when both cameras have sent their frames (--duration only as a safety net).
            CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of("produce", "--cameras", config.toString(),
                    "--bootstrap-servers", kafka.bootstrapServers(), "--duration", "50", "--report-every", "1"));
            // The camera streams for a while (FFmpeg probes the stream for ~2.5 s first), then goes away for 3 s.
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (framesOf(kafka, "gate") < 2 * RTSP_FPS) {
                assertThat(System.nanoTime()).as("20 frames of the RTSP camera within 40 s").isLessThan(waitUntil);
                assertThat(run).as("the producer is still running").isNotDone();
                Thread.sleep(200);
            }
            long killed = nowMicros();
            camera.kill();
            Thread.sleep(3_000);
            long restarted = nowMicros();
            camera.startAgain();
            CliRun result = run.get(60, TimeUnit.SECONDS);

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            Map<String, String> line = result.result();
            assertThat(line).containsEntry("cameras", "2").containsEntry("frames", "190").containsEntry("failed", "0")
                    .containsEntry("per_camera_frames", "gate:150,yard:40").containsEntry("reconnects", "gate:1,yard:0");
            assertThat(line.get("per_camera_fps")).matches("gate:[0-9.]+,yard:[0-9.]+");
            // The outage was logged when it began and when it ended, and the periodic report named both cameras.
            assertThat(result.stderr()).contains("gate (rtsp://127.0.0.1:", "lost at", "back after", "frames missed at 10.0 fps")
                    .containsPattern("cameras: gate [0-9.]+ fps \\(\\d+ frames, (up|down)(, 1 reconnects)?\\), yard [0-9.]+ fps");

            List<FrameEvent> gate = new ArrayList<>();
            List<FrameEvent> yard = new ArrayList<>();
            FrameValidator validator = new FrameValidator(IngestSettings.defaults());
            for (byte[] v : CommittedOutput.readAll(kafka.bootstrapServers(), "frames.multi")) {
                FrameEvent e = SingleObjectCodec.frameEvents().decode(v);
                // The job's own ingest accepts every event.
                assertThat(validator.validate(e).frameIndex()).isEqualTo(e.getFrameIndex());
                (e.getStreamId().equals("gate") ? gate : yard).add(e);
            }

            // The looped folder: 40 frames (4 passes of 10), 100 ms apart, then its end-of-stream marker.
            assertThat(yard).hasSize(41);
            for (int i = 0; i < 40; i++) {
                assertThat(yard.get(i).getFrameIndex()).isEqualTo(i);
                assertThat(yard.get(i).getImage().getWidth()).isEqualTo(32);
                if (i > 0) assertThat(yard.get(i).getCaptureTimeMicros() - yard.get(i - 1).getCaptureTimeMicros()).isEqualTo(100_000L);
            }
            assertThat(yard.get(40).getEndOfStream()).isTrue();

            // The RTSP camera: indices 0, 1, 2, ... up to the outage, then past the frames it estimates missed (at least
            // one: the job's clip operator sees the gap and starts a new segment), on to the marker.
            int frames = gate.size() - 1;
            assertThat(frames).isEqualTo(150);
            assertThat(gate.get(frames).getEndOfStream()).isTrue();
            long skip = Math.max(1, Long.parseLong(line.get("missed_frames_estimate").split(",")[0].replace("gate:", "")));
            assertThat(gate.get(frames).getFrameIndex()).isEqualTo(frames + skip);
            int gapAt = -1;
            for (int i = 0; i < frames; i++) {
                FrameEvent e = gate.get(i);
                assertThat(e.getImage().getWidth()).isEqualTo(160);
                assertThat(e.getIntrinsics().getFx()).isEqualTo(150);
                if (i == 0) continue;
                long step = e.getCaptureTimeMicros() - gate.get(i - 1).getCaptureTimeMicros();
                assertThat(step).as("capture step before frame %d", i).isPositive();
                if (step > 1_000_000L) {
                    assertThat(gapAt).as("one gap only, found another before frame %d", i).isEqualTo(-1);
                    gapAt = i;
                }
            }
            assertThat(gapAt).as("a capture-time gap").isPositive();
            for (int i = 0; i < frames; i++) {
                assertThat(gate.get(i).getFrameIndex()).as("index").isEqualTo(i < gapAt ? i : i + skip);
            }
            // The gap is the outage: the last frame before it was captured before the kill, the first after it once
            // the server was back (capture time is the wall clock, not the restarted stream's own clock).
            long before = gate.get(gapAt - 1).getCaptureTimeMicros();
            long after = gate.get(gapAt).getCaptureTimeMicros();
            assertThat(before).isLessThanOrEqualTo(killed);
            assertThat(after).isGreaterThanOrEqualTo(restarted);
            assertThat(after - before).isBetween(3_000_000L, 8_000_000L);
            // Frames on both sides: at least the 20 seen before the kill, and seconds' worth after the restart.
            assertThat(gapAt).isGreaterThanOrEqualTo(2 * RTSP_FPS);
            assertThat(frames - gapAt).isGreaterThanOrEqualTo(RTSP_FPS);
        }
    }
}
