package io.geostream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.ScaleStatus;
import io.geostream.demo.DemoRunnerAccess;
import io.geostream.eval.TumTrajectory;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.map.MapTestFrames;
import io.geostream.storage.LocalDirectoryObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code geostream export}: usage errors exit 2 before any connection; a demo-like output directory exported offline. */
class ExportCommandTest {
    private static final String[] BASE = {"export", "--bootstrap-servers", "127.0.0.1:1", "--out", "target/never-written"};

    @TempDir
    Path tmp;

    private static int run(String... more) {
        return io.geostream.testing.CliRun.exitCode(BASE, more);
    }

    @Test
    void usageErrorsExitWith2() {
        assertThat(GeostreamCli.execute("export")).isEqualTo(2); // no --out
        assertThat(run("--stream", "../escape", "--local-dir", "target")).isEqualTo(2);
        assertThat(run("--voxel", "0", "--local-dir", "target")).isEqualTo(2);
        assertThat(run("--max-voxels", "0", "--local-dir", "target")).isEqualTo(2);
        assertThat(run("--from-output", "target/no-such-demo-output")).isEqualTo(2);
        assertThat(run("--truth", "target/no-such-truth", "--local-dir", "target")).isEqualTo(2);
        assertThat(run("--kafka-properties", "target/no-such.properties", "--local-dir", "target")).isEqualTo(2);
        assertThat(run("--s3-access-key", "a", "--s3-secret-key", "b", "--bucket", "Not_A_Bucket")).isEqualTo(2);
        assertThat(GeostreamCli.execute("export", "--help")).isZero();
    }

    /**
     * Two streams in a demo-like directory: "cam" (a segment with a start time, a frame whose rgb.jpg is gone, truth in
     * another world frame) and "cam-b" (a v1 segment without a start time, rotating cameras, no truth). Every record's pose
     * is in its segment's trajectory.tum (also the frame whose payloads are gone), the truth comes out in the segment's
     * world frame, cameras.json has the intrinsics, and the PLY has unit normals facing the cameras.
     */
    @Test
    void exportsADemoOutputDirectoryPerSegmentWithTruth() throws Exception {
        Path demo = tmp.resolve("demo");
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(demo.resolve("objects"));
        long start = 1_767_225_600_000_000L;
        List<GeometryFrame> frames = new ArrayList<>();
        List<RigidTransform> camPoses = new ArrayList<>();
        for (int f = 0; f < 3; f++) {
            RigidTransform pose = translation(0.1 * f, 0, 0.05 * f);
            camPoses.add(pose);
            frames.add(MapTestFrames.frame(store, "cam", 0, start, f, start + f * 100_000L, pose, ScaleStatus.RELATIVE, 1.0,
                    new int[] {200, 40, 40}, true));
        }
        GeometryFrame gone = MapTestFrames.frame(store, "cam", 0, start, 3, start + 300_000L,
                translation(0.3, 0, 0.15), ScaleStatus.RELATIVE, 1.0, new int[] {200, 40, 40}, false);
        gone.getPayloads().setRgbUri(store.uriOf("no/such.jpg"));
        camPoses.add(translation(0.3, 0, 0.15));
        frames.add(gone);
        List<RigidTransform> bPoses = new ArrayList<>();
        for (int f = 0; f < 2; f++) {
            RigidTransform pose = new RigidTransform(Rotations.axisAngle(new double[] {0.2, 1, 0.1}, 0.3 * f), new double[] {0, 0.1 * f, 0});
            bPoses.add(pose);
            frames.add(MapTestFrames.frame(store, "cam-b", 0, -1, f, 5_000_000L + f * 1_000_000L, pose, ScaleStatus.RELATIVE, 1.0,
                    new int[] {40, 40, 200}, false));
        }
        DemoRunnerAccess.writeAvroFile(frames, demo.resolve("geometry-frames.avro"));
        // The truth in its own world: G after each camera; one more frame than the records hold.
        RigidTransform g = new RigidTransform(Rotations.axisAngle(new double[] {1, -2, 0.5}, 1.2), new double[] {3, -1, 2});
        Files.createDirectories(demo.resolve("truth"));
        try (Writer w = Files.newBufferedWriter(demo.resolve("truth/cam.tum"))) {
            long[] times = new long[5];
            RigidTransform[] truth = new RigidTransform[5];
            for (int f = 0; f < 5; f++) {
                times[f] = start + f * 100_000L;
                truth[f] = g.compose(f < 4 ? camPoses.get(f) : RigidTransform.identity());
            }
            TumTrajectory.write(w, times, truth);
        }

        Path out = tmp.resolve("export");
        StringWriter stdout = new StringWriter(), stderr = new StringWriter();
        CommandLine cl = new CommandLine(new GeostreamCli());
        cl.setOut(new PrintWriter(stdout, true));
        cl.setErr(new PrintWriter(stderr, true));
        int rc = cl.execute("export", "--from-output", demo.toString(), "--out", out.toString(), "--voxel", "0.05");
        assertThat(rc).as(stderr.toString()).isZero();
        Map<String, String> result = io.geostream.testing.ConsumePy.resultLine(stdout.toString());
        assertThat(result).containsEntry("result", "ok").containsEntry("streams", "2").containsEntry("segments", "2")
                .containsEntry("frames", "6").containsEntry("frames_fused", "5").containsEntry("truth_segments", "1");

        Path cam = out.resolve("cam/segment-" + start + "-0"), camB = out.resolve("cam-b/segment-0");
        assertThat(cam.resolve("points.ply")).exists();
        assertThat(camB.resolve("truth.tum")).doesNotExist();
        assertThat(Files.readString(out.resolve("cam/map.json"))).contains("\"rgb_missing\": 1")
                .contains("\"file\": \"segment-" + start + "-0/points.ply\"");

        // Trajectories: every record's pose, in capture time order, timestamps exact.
        assertPoses(TumTrajectory.read(cam.resolve("trajectory.tum")), camPoses, start, 100_000L);
        assertPoses(TumTrajectory.read(camB.resolve("trajectory.tum")), bPoses, 5_000_000L, 1_000_000L);
        // Truth in the segment's world (the first camera's): G cancels out.
        assertPoses(TumTrajectory.read(cam.resolve("truth.tum")), camPoses, start, 100_000L);

        JsonNode cameras = new ObjectMapper().readTree(cam.resolve("cameras.json").toFile());
        assertThat(cameras.get("stream_id").asText()).isEqualTo("cam");
        assertThat(cameras.get("segment_start_micros").asLong()).isEqualTo(start);
        assertThat(cameras.get("width").asInt()).isEqualTo(MapTestFrames.W);
        assertThat(cameras.get("height").asInt()).isEqualTo(MapTestFrames.H);
        assertThat(cameras.get("scale_status").asText()).isEqualTo("RELATIVE");
        assertThat(cameras.get("frames")).hasSize(4);
        JsonNode f1 = cameras.get("frames").get(1);
        assertThat(f1.get("frame_index").asLong()).isEqualTo(1);
        assertThat(f1.get("timestamp").asText()).isEqualTo("1767225600.100000");
        assertThat(f1.get("fx").asDouble()).isEqualTo(20.0);
        assertThat(f1.get("cy").asDouble()).isEqualTo(12.0);
        assertThat(f1.get("depth_unit").asDouble()).isEqualTo(0.001);
        assertThat(new ObjectMapper().readTree(camB.resolve("cameras.json").toFile()).get("segment_start_micros").isNull()).isTrue();

        // The PLY: normals facing the cameras (every camera of "cam" looks along +z: (0, 0, -1)), red points.
        byte[] ply = Files.readAllBytes(cam.resolve("points.ply"));
        String text = new String(ply, StandardCharsets.US_ASCII);
        int body = text.indexOf("end_header\n") + "end_header\n".length();
        assertThat(text.substring(0, body)).contains("property float nx\nproperty float ny\nproperty float nz\nproperty uchar red");
        int n = Integer.parseInt(text.substring(text.indexOf("element vertex ") + 15, text.indexOf('\n', text.indexOf("element vertex "))));
        assertThat(n).isGreaterThan(100);
        assertThat(ply).hasSize(body + n * 27);
        ByteBuffer b = ByteBuffer.wrap(ply, body, n * 27).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.position(body + i * 27 + 12);
            // normals.png quantises 0 to 128: 1/255 off
            assertThat(b.getFloat()).isCloseTo(0f, within(0.005f));
            assertThat(b.getFloat()).isCloseTo(0f, within(0.005f));
            assertThat(b.getFloat()).isCloseTo(-1f, within(1e-4f));
            assertThat(b.get() & 0xFF).isGreaterThan(150);
        }
    }

    private static void assertPoses(List<TumTrajectory.Entry> read, List<RigidTransform> expected, long t0, long dt) {
        assertThat(read).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(read.get(i).timestampMicros()).isEqualTo(t0 + i * dt);
            double[] r = read.get(i).worldFromCamera().rotation(), re = expected.get(i).rotation();
            double[] t = read.get(i).worldFromCamera().translation(), te = expected.get(i).translation();
            for (int k = 0; k < 9; k++) assertThat(r[k]).isCloseTo(re[k], within(1e-8));
            for (int k = 0; k < 3; k++) assertThat(t[k]).isCloseTo(te[k], within(1e-8));
        }
    }

    private static RigidTransform translation(double x, double y, double z) {
        return new RigidTransform(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new double[] {x, y, z});
    }
}
