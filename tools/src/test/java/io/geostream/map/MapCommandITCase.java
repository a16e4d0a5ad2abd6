package io.geostream.map;

import io.geostream.avro.GeometryFrame;
import io.geostream.demo.CommittedOutput;
import io.geostream.demo.SyntheticPublisher;
import io.geostream.jobs.GeometryJob;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.RealStack;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The map builder on the real stack: the job turns a short synthetic stream into committed geometry
 * (in-process KRaft broker, s3proxy, Flink MiniCluster), then {@code geostream map} fuses it, and an
 * independent reader (numpy, plus Open3D when installed; required on CI) parses the PLY and checks that,
 * after a Sim(3) fit of the segment's trajectory to the truth, the points lie inside the synthetic room.
 */
class MapCommandITCase {
    private static final int FRAMES = 16;
    private static final int W = 64, H = 48;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final RealStack.PerClass SERVERS = new RealStack.PerClass();

    @Test
    void mapsOneStreamIntoAColouredPlyInsideTheScene() throws Exception {
        Configuration conf = SERVERS.stack().jobConfig("geostream-map-it");
        String geometryTopic = conf.get(SinkOptions.GEOMETRY_TOPIC);
        String segmentsTopic = conf.get(SinkOptions.SEGMENTS_TOPIC);
        SERVERS.stack().createJobTopics(conf);
        SceneSpec spec = new SceneSpec(21, W, H, FRAMES, TrajectoryKind.ORBIT, 0.0, 2);
        try (SyntheticPublisher pub = new SyntheticPublisher(SERVERS.kafka().bootstrapServers(), conf.get(IngestOptions.INPUT_TOPIC))) {
            pub.publishStream("cam-m", spec, true);
            pub.publishStream("cam-other", new SceneSpec(22, W, H, 8, TrajectoryKind.WALK, 0.0, 10), true);
            pub.flush();
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(500);
        GeometryJob.fromConfig(conf).build(env);
        env.execute("geostream-map-it");

        Path out = SERVERS.dir().resolve("map-out");
        io.geostream.testing.CliRun run = io.geostream.testing.CliRun.of("map", "--bootstrap-servers",
                SERVERS.kafka().bootstrapServers(), "--stream", "cam-m", "--out", out.toString(), "--voxel", "0.01",
                "--s3-endpoint", SERVERS.s3().endpoint().toString(), "--bucket", "geostream",
                "--s3-access-key", "it-access", "--s3-secret-key", "it-secret-key");
        assertThat(run.exitCode()).isZero();
        assertThat(run.result()).containsEntry("stream", "cam-m").containsEntry("frames_fused", String.valueOf(FRAMES))
                .containsEntry("segments", "1").containsEntry("out", out.resolve("cam-m").toString());

        // Only the requested stream, one segment with every frame fused.
        assertThat(Files.list(out).map(p -> p.getFileName().toString()).toList()).containsExactly("cam-m");
        String json = Files.readString(out.resolve("cam-m/map.json"));
        assertThat(json).contains("\"stream\": \"cam-m\"").contains("\"frames_fused\": " + FRAMES).contains("\"frames_skipped\": {}")
                .contains("\"ended\": true");
        List<GeometryFrame> frames = new ArrayList<>();
        for (byte[] v : CommittedOutput.readAll(SERVERS.kafka().bootstrapServers(), geometryTopic)) {
            GeometryFrame g = SingleObjectCodec.geometryFrames().decode(v);
            if (g.getStreamId().equals("cam-m")) frames.add(g);
        }
        assertThat(frames).hasSize(FRAMES).allMatch(g -> g.getSegmentId() == 0);
        // The segment's identity: the capture time of its first frame, in every record; the PLY is named after it.
        long start = frames.stream().mapToLong(GeometryFrame::getCaptureTimeMicros).min().orElseThrow();
        assertThat(frames).allMatch(g -> g.getSegmentStartMicros() == start);
        assertThat(json).contains("\"segment_start_micros\": " + start);
        String plyName = "segment-" + start + "-0.ply";
        Path ply = out.resolve("cam-m/" + plyName);
        assertThat(ply).exists();

        // The independent reader gets the estimated and true camera centres to align the cloud to the scene.
        SyntheticScene scene = new SyntheticScene(spec);
        StringBuilder poses = new StringBuilder();
        for (GeometryFrame g : frames) {
            var truth = scene.worldFromCamera((int) g.getFrameIndex());
            double[] c = truth.center(), q = truth.quaternion();
            var p = g.getWorldFromCamera();
            poses.append(String.format(Locale.ROOT, "%.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g%n",
                    p.getTx(), p.getTy(), p.getTz(), p.getQx(), p.getQy(), p.getQz(), p.getQw(), c[0], c[1], c[2], q[0], q[1], q[2], q[3]));
        }
        Path posesFile = SERVERS.dir().resolve("poses.txt");
        Files.createDirectories(Path.of("target/map-it"));
        Files.copy(ply, Path.of("target/map-it/segment-0.ply"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(posesFile, poses);
        Files.writeString(Path.of("target/map-it/poses.txt"), poses);
        String report = checkWithPython(ply, posesFile);
        Matcher m = Pattern.compile("points=(\\d+) coloured=(\\d+) inside_room=([0-9.]+) extent=([0-9.]+),([0-9.]+),([0-9.]+) trajectory_rms=([0-9.]+) open3d=(\\w+)")
                .matcher(report);
        if (report.equals("skipped")) return;
        assertThat(m.find()).as(report).isTrue();
        int points = Integer.parseInt(m.group(1));
        assertThat(points).as(report).isGreaterThan(1000);
        assertThat(Integer.parseInt(m.group(2))).as("points with a non-black colour: " + report).isGreaterThan(points / 2);
        assertThat(Double.parseDouble(m.group(3))).as("share inside the room: " + report).isGreaterThan(0.97);
        // Non-degenerate: the orbit sees the room across metres horizontally and most of its height.
        assertThat(Math.max(Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)))).as(report).isGreaterThan(3.0);
        assertThat(Double.parseDouble(m.group(6))).as(report).isGreaterThan(1.0);
        assertThat(Double.parseDouble(m.group(7))).as("aligned trajectory RMS (m): " + report).isLessThan(0.1);
        assertThat(m.group(8)).as("Open3D read the file").isIn(ci() ? List.of("yes") : List.of("yes", "no"));
        assertThat(json).contains("\"points\": " + points);

        // Follow mode over the same committed records, stopped once the segment is complete: same map.
        Path followed = SERVERS.dir().resolve("map-follow");
        try (var store = new io.geostream.storage.S3ObjectStore(new io.geostream.storage.S3Settings(SERVERS.s3().endpoint().toString(), null,
                "geostream", "it-access", "it-secret-key", true))) {
            StreamMap map = new StreamMap("cam-m", store, 0.01, 4_000_000, followed);
            var err = new java.io.PrintWriter(System.err, true);
            long deadline = System.nanoTime() + 60_000_000_000L;
            new MapBuilder(SERVERS.kafka().bootstrapServers(), geometryTopic, segmentsTopic, "cam-m", map, err)
                    .run(true, java.time.Duration.ofMillis(100), () -> map.framesFused() >= FRAMES || System.nanoTime() > deadline);
            assertThat(map.framesFused()).isEqualTo(FRAMES);
        }
        assertThat(Files.readAllBytes(followed.resolve("cam-m/" + plyName))).isEqualTo(Files.readAllBytes(ply));
    }

    private static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    private static String checkWithPython(Path ply, Path poses) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean ci = ci();
        boolean numpy = Files.isExecutable(python) && new ProcessBuilder(python.toString(), "-c", "import numpy").start().waitFor() == 0;
        if (!numpy) {
            if (ci) throw new AssertionError("CI must provide python3-numpy (installed by .ci/run)");
            System.err.println("python3-numpy not installed: skipping the independent PLY check");
            return "skipped";
        }
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> cmd = new ArrayList<>(List.of(python.toString(), root.resolve("scripts/check_ply.py").toString(), ply.toString(),
                poses.toString()));
        if (ci) cmd.add("--require-open3d");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        System.err.println("check_ply.py: " + output.strip());
        return output;
    }
}
