package io.geostream.produce;

import io.geostream.avro.DistortionModel;
import io.geostream.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code cameras.yaml}: what it sets per camera, and errors that name the file, line, camera and key. */
class CamerasFileTest {
    @TempDir
    Path dir;

    Path write(String yaml) throws Exception {
        return Files.writeString(dir.resolve("cameras.yaml"), yaml);
    }

    @Test
    void readsEveryCameraSettingWithDefaultsAndPathsRelativeToTheFile() throws Exception {
        Files.createDirectories(dir.resolve("frames"));
        Path file = write("""
                topic: frames.site-1   # a comment, not part of the value
                jpeg_quality: 80
                reconnect_backoff_s: 0.25
                reconnect_backoff_max_s: 4
                cameras:
                  - stream: gate-3
                    source: rtsp://user:pw@10.0.0.7/stream1
                    fps: 10
                    resize: 640x360
                    intrinsics: {fx: 800, fy: 810, cx: 639.5, cy: 359.5}
                    intrinsics_size: 1280x720
                    distortion: PLUMB_BOB:0.1,-0.05,0,0
                  - stream: yard
                    source: frames
                    fps: 5
                    loop: true
                    realtime: false
                    max_frames: 100
                    jpeg_quality: 95
                """);
        CamerasFile f = CamerasFile.read(file, null, "frames", -1);
        assertThat(f.backoff()).isEqualTo(new ReconnectingSource.Backoff(Duration.ofMillis(250), Duration.ofSeconds(4)));
        assertThat(f.cameras()).hasSize(2);
        CameraSpec gate = f.cameras().get(0);
        assertThat(gate.streamId()).isEqualTo("gate-3");
        assertThat(gate.live()).isTrue();
        assertThat(gate.source()).isEqualTo("rtsp://user:pw@10.0.0.7/stream1");
        assertThat(gate.fps()).isEqualTo(10);
        assertThat(gate.loop()).isFalse();
        assertThat(gate.settings().topic()).isEqualTo("frames.site-1");
        assertThat(gate.settings().jpegQuality()).isEqualTo(80);
        assertThat(gate.settings().resizeWidth()).isEqualTo(640);
        assertThat(gate.settings().resizeHeight()).isEqualTo(360);
        assertThat(gate.settings().intrinsics().getFy()).isEqualTo(810);
        assertThat(new int[] {gate.settings().intrinsicsWidth(), gate.settings().intrinsicsHeight()}).containsExactly(1280, 720);
        assertThat(gate.settings().intrinsics().getCx()).isEqualTo(639.5);
        assertThat(gate.settings().distortion().getModel()).isEqualTo(DistortionModel.PLUMB_BOB);
        assertThat(gate.settings().realtime()).isTrue();
        CameraSpec yard = f.cameras().get(1);
        assertThat(yard.source()).isEqualTo(dir.resolve("frames").toAbsolutePath().toString());
        assertThat(yard.live()).isFalse();
        assertThat(yard.loop()).isTrue();
        assertThat(yard.settings().realtime()).isFalse();
        assertThat(yard.settings().maxFrames()).isEqualTo(100);
        assertThat(yard.settings().jpegQuality()).isEqualTo(95);
        assertThat(yard.settings().intrinsics()).isNull();
        assertThat(yard.settings().resizeWidth()).isZero();

        // The command line's topic wins over the file's; without either, the job's default.
        assertThat(CamerasFile.read(file, "other", "frames", -1).cameras().get(1).settings().topic()).isEqualTo("other");
        Path minimal = write("cameras:\n  - {stream: a, source: rtsp://h/x}\n");
        CamerasFile m = CamerasFile.read(minimal, null, "frames", 5000);
        assertThat(m.cameras().get(0).settings().topic()).isEqualTo("frames");
        assertThat(m.cameras().get(0).settings().claimCheckOverBytes()).isEqualTo(5000);
        assertThat(m.cameras().get(0).fps()).isNaN();
        assertThat(m.backoff()).isEqualTo(ReconnectingSource.Backoff.DEFAULT);
    }

    void assertRejected(String yaml, String... fragments) throws Exception {
        Path file = write(yaml);
        assertThatThrownBy(() -> CamerasFile.read(file, null, "frames", -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll(fragments);
    }

    @Test
    void badFilesFailNamingLineCameraAndKey() throws Exception {
        String cam = "cameras:\n  - stream: cam-a\n    source: rtsp://h/x\n";
        assertRejected(cam + "    intrinsics_size: 1280x720\n", "cam-a", "intrinsics' size is given without intrinsics");
        assertRejected(cam + "    intrinsics: {fx: 800, fy: 800, cx: 639.5, cy: 359.5}\n    intrinsics_size: 1280\n", "cameras.yaml:5",
                "intrinsics_size");
        assertRejected(cam + "    fsp: 10\n", "cameras.yaml:4", "camera cam-a", "unknown key fsp", "known: stream, source, fps");
        assertRejected("camera:\n  - stream: a\n", "cameras.yaml:1", "unknown key camera");
        assertRejected(cam + "    fps: fast\n", ":4", "camera cam-a", "fps must be a finite number, got fast");
        assertRejected(cam + "    fps: -1\n", ":4", "fps must be positive");
        assertRejected(cam + "    resize: 640\n", ":4", "camera cam-a", "resize must be WxH");
        assertRejected(cam + "    intrinsics: {fx: 1, fy: 1, cx: 0}\n", ":4", "cy is missing");
        assertRejected(cam + "    intrinsics: {fx: 1, fy: 1, cx: 0, cy: 0, skew: 0}\n", ":4", "intrinsics: unknown key skew");
        assertRejected(cam + "    distortion: PLUMB_BOB:1,2\n", ":4", "distortion needs PLUMB_BOB with 4");
        assertRejected(cam + "    loop: true\n", ":2", "camera cam-a", "loop is for files and folders");
        assertRejected(cam + "    loop: yes please\n", ":4", "loop must be true or false");
        assertRejected(cam + "    jpeg_quality: 101\n", ":2", "camera cam-a", "JPEG quality must be in 1..100");
        assertRejected(cam + "  - stream: cam-a\n    source: rtsp://h/y\n", ":4", "camera cam-a: stream id given twice");
        assertRejected("cameras:\n  - source: rtsp://h/x\n", ":2", "camera #1: stream is required");
        assertRejected("cameras:\n  - stream: a/b\n    source: x\n", ":2", "camera #1: stream must be 1-128");
        assertRejected("cameras:\n  - stream: cam-b\n", ":2", "camera cam-b: source is required");
        assertRejected("cameras:\n  - stream: cam-b\n    source: no-such.mp4\n", ":3", "camera cam-b", "no-such.mp4: no such file or folder");
        assertRejected("cameras: []\n", ":1", "at least one camera");
        assertRejected("topic: t\n", "cameras must be a list");
        assertRejected("- a\n- b\n", "expected 'cameras:'");
        assertRejected(cam + "    fps: [1\n", "not valid YAML", "cameras.yaml");
        assertRejected("reconnect_backoff_s: 5\nreconnect_backoff_max_s: 1\n" + cam, "reconnect_backoff_s must be positive and at most");
    }

    @Test
    void theCommandExitsTwoNamingTheBadKeyOrTheFlagThatBelongsInTheFile() throws Exception {
        Path file = write("cameras:\n  - stream: cam-a\n    source: rtsp://h/x\n    fsp: 10\n");
        CliRun bad = CliRun.of("produce", "--cameras", file.toString(), "--bootstrap-servers", "127.0.0.1:1");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains("cameras.yaml:4", "camera cam-a", "unknown key fsp");
        assertThat(bad.stdout()).isEmpty();

        Path good = write("cameras:\n  - stream: cam-a\n    source: rtsp://h/x\n");
        CliRun mixed = CliRun.of("produce", "--cameras", good.toString(), "--resize", "64x48");
        assertThat(mixed.exitCode()).isEqualTo(2);
        assertThat(mixed.stderr()).contains("--resize is set per camera in");
        CliRun missing = CliRun.of("produce", "--cameras", dir.resolve("absent.yaml").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).contains("no such file", "absent.yaml");
        CliRun neither = CliRun.of("produce", "--stream", "x");
        assertThat(neither.exitCode()).isEqualTo(2);
        assertThat(neither.stderr()).contains("give --source and --stream (one camera), or --cameras FILE");
    }
}
