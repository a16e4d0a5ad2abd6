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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The map builder and the exporter on the real stack: the job turns two short synthetic streams into committed geometry
 * (in-process KRaft broker, s3proxy, Flink MiniCluster) once for the class; then {@code geostream map} fuses one stream,
 * and an independent reader (numpy, plus Open3D when installed; required on CI) parses the PLY and checks that, after a
 * Sim(3) fit of the segment's trajectory to the truth, the points lie inside the synthetic room; and
 * {@code geostream export} writes every segment's files, read back by Open3D, a TUM parser and scripts/consume.py.
 */
class MapCommandITCase {
    private static final int FRAMES = 16, OTHER_FRAMES = 8;
    private static final int W = 64, H = 48;
    private static final SceneSpec SPEC = new SceneSpec(21, W, H, FRAMES, TrajectoryKind.ORBIT, 0.0, 2);
    private static final SceneSpec OTHER = new SceneSpec(22, W, H, OTHER_FRAMES, TrajectoryKind.WALK, 0.0, 10);
    /** The job's configuration once it ran (null before): the class's tests share its committed output. */
    private static Configuration jobRan;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final RealStack.PerClass SERVERS = new RealStack.PerClass();

    /** Publishes the two streams and runs the job over them, the first time a test asks. */
    private static synchronized Configuration jobOutput() throws Exception {
        if (jobRan != null) return jobRan;
        Configuration conf = SERVERS.stack().jobConfig("geostream-map-it");
        SERVERS.stack().createJobTopics(conf);
        try (SyntheticPublisher pub = new SyntheticPublisher(SERVERS.kafka().bootstrapServers(), conf.get(IngestOptions.INPUT_TOPIC))) {
            pub.publishStream("cam-m", SPEC, true);
            pub.publishStream("cam-other", OTHER, true);
            pub.flush();
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(500);
        GeometryJob.fromConfig(conf).build(env);
        env.execute("geostream-map-it");
        jobRan = conf;
        return conf;
    }

    @Test
    void mapsOneStreamIntoAColouredPlyInsideTheScene() throws Exception {
        Configuration conf = jobOutput();
        String geometryTopic = conf.get(SinkOptions.GEOMETRY_TOPIC);
        String segmentsTopic = conf.get(SinkOptions.SEGMENTS_TOPIC);
        SceneSpec spec = SPEC;

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

    /**
     * {@code geostream export} over both streams' committed records (S3 credentials from the AWS default chain: Java system
     * properties here): per segment a PLY that Open3D reads with unit normals facing the cameras and colours, a TUM
     * trajectory with every record's pose, cameras.json with every record's intrinsics; consume.py's trajectories of the
     * same topics are the same; and the demo-like output directory of the same run, exported offline, adds truth.tum.
     */
    @Test
    void exportsEverySegmentAsTumPlyAndCamerasLikeConsumePyWithTruthOffline() throws Exception {
        Configuration conf = jobOutput();
        String geometryTopic = conf.get(SinkOptions.GEOMETRY_TOPIC), segmentsTopic = conf.get(SinkOptions.SEGMENTS_TOPIC);
        List<GeometryFrame> committed = new ArrayList<>();
        for (byte[] v : CommittedOutput.readAll(SERVERS.kafka().bootstrapServers(), geometryTopic)) {
            committed.add(SingleObjectCodec.geometryFrames().decode(v));
        }
        assertThat(committed).hasSize(FRAMES + OTHER_FRAMES);
        Map<String, List<GeometryFrame>> bySegment = io.geostream.testing.TumFiles.bySegment(committed);

        Path out = SERVERS.dir().resolve("export-live");
        Map<String, String> result;
        System.setProperty("aws.accessKeyId", RealStack.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", RealStack.SECRET_KEY);
        try {
            result = export("--bootstrap-servers", SERVERS.kafka().bootstrapServers(), "--kafka-property", "client.rack=it",
                    "--geometry-topic", geometryTopic, "--segments-topic", segmentsTopic, "--out", out.toString(),
                    "--voxel", "0.01", "--s3-endpoint", SERVERS.s3().endpoint().toString(), "--s3-bucket", RealStack.BUCKET);
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
        assertThat(result).containsEntry("result", "ok").containsEntry("streams", "2")
                .containsEntry("segments", String.valueOf(bySegment.size())).containsEntry("frames", String.valueOf(committed.size()))
                .containsEntry("frames_fused", String.valueOf(committed.size())).containsEntry("truth_segments", "0")
                .containsEntry("undecodable", "0");

        List<String> plyAndTum = new ArrayList<>();
        Map<String, Map<Long, double[]>> exported = new java.util.TreeMap<>();
        for (Map.Entry<String, List<GeometryFrame>> e : bySegment.entrySet()) {
            Path dir = out.resolve(e.getKey());
            exported.put(e.getKey(), io.geostream.testing.TumFiles.assertHoldsThePosesOf(dir.resolve("trajectory.tum"), e.getValue()));
            assertThat(dir.resolve("truth.tum")).doesNotExist();
            var cameras = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("cameras.json").toFile());
            assertThat(cameras.get("scale_status").asText()).isEqualTo(e.getValue().get(0).getScaleStatus().name());
            assertThat(cameras.get("width").asInt()).isEqualTo(W);
            assertThat(cameras.get("frames")).hasSize(e.getValue().size());
            Map<Long, com.fasterxml.jackson.databind.JsonNode> byIndex = new java.util.HashMap<>();
            cameras.get("frames").forEach(f -> byIndex.put(f.get("frame_index").asLong(), f));
            for (GeometryFrame g : e.getValue()) {
                var f = byIndex.get(g.getFrameIndex());
                assertThat(f).as("camera of frame %d", g.getFrameIndex()).isNotNull();
                assertThat(f.get("fx").asDouble()).isEqualTo(g.getIntrinsics().getFx());
                assertThat(f.get("cy").asDouble()).isEqualTo(g.getIntrinsics().getCy());
                assertThat(f.get("depth_unit").asDouble()).isEqualTo(g.getPayloads().getDepthUnit());
                assertThat(f.get("capture_time_micros").asLong()).isEqualTo(g.getCaptureTimeMicros());
            }
            plyAndTum.add(dir.resolve("points.ply").toString());
            plyAndTum.add(dir.resolve("trajectory.tum").toString());
        }
        checkExportedPlys(plyAndTum);

        // scripts/consume.py on the same topics: the same trajectory per segment (its files: <stream>/<segment>.tum).
        if (io.geostream.testing.ConsumePy.available()) {
            Path consumed = SERVERS.dir().resolve("consume-py");
            Map<String, String> py = io.geostream.testing.ConsumePy.run(SERVERS.stack(), geometryTopic, segmentsTopic, consumed,
                    List.of("--points", "npy", "--no-colour", "--pixel-step", "8"));
            assertThat(py).containsEntry("result", "ok").containsEntry("frames", String.valueOf(committed.size()));
            for (Map.Entry<String, List<GeometryFrame>> e : bySegment.entrySet()) {
                Map<Long, double[]> theirs = io.geostream.testing.TumFiles.assertHoldsThePosesOf(consumed.resolve(e.getKey() + ".tum"),
                        e.getValue());
                Map<Long, double[]> ours = exported.get(e.getKey());
                assertThat(theirs.keySet()).isEqualTo(ours.keySet());
                for (Long t : ours.keySet()) {
                    for (int i = 0; i < 7; i++) {
                        assertThat(theirs.get(t)[i]).as("consume.py vs export, %s at %d", e.getKey(), t)
                                .isCloseTo(ours.get(t)[i], org.assertj.core.data.Offset.offset(1e-7));
                    }
                }
            }
        }

        // The same run as a demo's output directory (records, mirrored objects, truth/): exported offline, the same
        // trajectories and cameras, plus truth.tum in the segment's world frame that the trajectory follows.
        Path demo = SERVERS.dir().resolve("demo-like");
        Files.createDirectories(demo);
        io.geostream.demo.DemoRunnerAccess.writeAvroFile(committed, demo.resolve("geometry-frames.avro"));
        try (var store = GeometryJob.storageSettings(conf).open()) {
            io.geostream.demo.DemoRunnerAccess.mirror(store, demo.resolve("objects"));
        }
        OutputDirectory.writeTruth(demo, "cam-m", new SyntheticScene(SPEC));
        OutputDirectory.writeTruth(demo, "cam-other", new SyntheticScene(OTHER));
        Path offline = SERVERS.dir().resolve("export-offline");
        Map<String, String> offlineResult = export("--from-output", demo.toString(), "--out", offline.toString(), "--voxel", "0.01");
        assertThat(offlineResult).containsEntry("result", "ok").containsEntry("frames", String.valueOf(committed.size()))
                .containsEntry("truth_segments", String.valueOf(bySegment.size()));
        for (Map.Entry<String, List<GeometryFrame>> e : bySegment.entrySet()) {
            Path live = out.resolve(e.getKey()), dir = offline.resolve(e.getKey());
            assertThat(Files.readAllBytes(dir.resolve("trajectory.tum"))).isEqualTo(Files.readAllBytes(live.resolve("trajectory.tum")));
            assertThat(Files.readAllBytes(dir.resolve("cameras.json"))).isEqualTo(Files.readAllBytes(live.resolve("cameras.json")));
            var truth = io.geostream.eval.TumTrajectory.read(dir.resolve("truth.tum"));
            var estimate = io.geostream.eval.TumTrajectory.read(dir.resolve("trajectory.tum"));
            assertThat(truth).hasSize(e.getValue().size());
            // The segment's first frame is its world: identity in both.
            assertThat(truth.get(0).worldFromCamera().translation()).containsExactly(new double[] {0, 0, 0},
                    org.assertj.core.data.Offset.offset(1e-9));
            double[][] est = new double[truth.size()][], tru = new double[truth.size()][];
            for (int i = 0; i < truth.size(); i++) {
                assertThat(truth.get(i).timestampMicros()).isEqualTo(estimate.get(i).timestampMicros());
                est[i] = estimate.get(i).worldFromCamera().center();
                tru[i] = truth.get(i).worldFromCamera().center();
            }
            var ate = io.geostream.geometry.TrajectoryMetrics.ate(est, tru);
            assertThat(ate.rmseOverPathLength()).as("ATE / path length of %s against truth.tum", e.getKey()).isLessThan(0.05);
        }
    }

    /** Runs geostream export in-process; asserts exit 0 and returns its result line. */
    private static Map<String, String> export(String... args) {
        java.io.StringWriter stdout = new java.io.StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new io.geostream.cli.GeostreamCli());
        cl.setOut(new java.io.PrintWriter(stdout, true));
        String[] all = new String[args.length + 1];
        all[0] = "export";
        System.arraycopy(args, 0, all, 1, args.length);
        int rc = cl.execute(all);
        assertThat(rc).as(stdout.toString()).isZero();
        return io.geostream.testing.ConsumePy.resultLine(stdout.toString());
    }

    /**
     * Open3D reads each exported PLY (pairs of PLY and trajectory): points with colours and normals, the normals unit
     * length and facing the cameras (towards their mean centre, inside the room), colours not black.
     */
    private static void checkExportedPlys(List<String> plyAndTum) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean open3d = Files.isExecutable(python) && new ProcessBuilder(python.toString(), "-c", "import open3d, numpy").start().waitFor() == 0;
        if (!open3d) {
            if (ci()) throw new AssertionError("CI must provide python3-open3d (installed by .ci/run)");
            System.err.println("python3-open3d not installed: skipping the Open3D check of the exported PLYs");
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "-c", String.join("\n",
                "import sys, numpy as np, open3d",
                "a = sys.argv[1:]",
                "for ply, tum in zip(a[0::2], a[1::2]):",
                "    pc = open3d.io.read_point_cloud(ply)",
                "    p, n, c = np.asarray(pc.points), np.asarray(pc.normals), np.asarray(pc.colors)",
                "    centre = np.loadtxt(tum, comments='#', ndmin=2)[:, 1:4].mean(axis=0)",
                "    length = np.linalg.norm(n, axis=1) if len(n) else np.zeros(0)",
                "    has = length > 0.5",
                "    facing = ((centre - p) * n).sum(axis=1) > 0",
                "    print(len(p), int(pc.has_normals()), int(pc.has_colors()), int(has.sum()),",
                "          float(np.abs(length[has] - 1).max()) if has.any() else 1.0, int((facing & has).sum()), float(c.mean()))")));
        cmd.addAll(plyAndTum);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        System.err.println("Open3D on the exported PLYs (points, normals?, colours?, with normal, max |1 - length|, facing, mean colour): "
                + output.replace('\n', ';'));
        String[] lines = output.split("\n");
        assertThat(lines).hasSize(plyAndTum.size() / 2);
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            int points = Integer.parseInt(f[0]), withNormal = Integer.parseInt(f[3]), facing = Integer.parseInt(f[5]);
            assertThat(points).as(line).isGreaterThan(500);
            assertThat(f[1]).as("has normals: " + line).isEqualTo("1");
            assertThat(f[2]).as("has colours: " + line).isEqualTo("1");
            assertThat(withNormal).as("points with a normal: " + line).isGreaterThan(points * 95 / 100);
            assertThat(Double.parseDouble(f[4])).as("unit normals: " + line).isLessThan(1e-3);
            assertThat(facing).as("normals facing the cameras: " + line).isGreaterThan(withNormal * 8 / 10);
            assertThat(Double.parseDouble(f[6])).as("not black: " + line).isGreaterThan(0.05);
        }
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
