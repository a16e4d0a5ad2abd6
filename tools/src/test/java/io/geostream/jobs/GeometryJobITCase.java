package io.geostream.jobs;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.demo.CommittedOutput;
import io.geostream.demo.RunSummary;
import io.geostream.demo.SyntheticPublisher;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.PayloadCodecs;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.RealStack;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole job on the real stack: an in-process KRaft broker, an S3 API server (s3proxy), and a Flink
 * MiniCluster. Synthetic streams plus malformed records go in as bytes on the real input topic; the
 * committed (read_committed) output must hold every valid frame exactly once, payloads of the right
 * shapes, a trajectory close to the truth, and a dead letter with a reason for each malformed record.
 */
class GeometryJobITCase {

    private static final int FRAMES = 40;
    private static final int W = 64, H = 48;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final RealStack.PerClass SERVERS = new RealStack.PerClass();

    @Test
    void everyValidFrameComesOutOnceAndMalformedInputIsDeadLettered() throws Exception {
        Configuration conf = SERVERS.stack().jobConfig("geostream-it");
        SERVERS.stack().createJobTopics(conf);

        Map<String, SceneSpec> specs = new TreeMap<>();
        specs.put("cam-a", new SceneSpec(11, W, H, FRAMES, TrajectoryKind.ORBIT, 0.0, 10));
        specs.put("cam-b", new SceneSpec(12, W, H, FRAMES, TrajectoryKind.WALK, 0.0, 10));
        Map<String, Integer> expectedReasons = new HashMap<>();
        try (SyntheticPublisher pub = new SyntheticPublisher(SERVERS.kafka().bootstrapServers(), conf.get(IngestOptions.INPUT_TOPIC))) {
            pub.publishStream("cam-a", specs.get("cam-a"), true);
            byte[] noise = new byte[300];
            new Random(5).nextBytes(noise);
            pub.sendRaw("junk", noise);
            expectedReasons.merge("DECODE_MARKER", 1, Integer::sum);
            pub.sendRaw("cam-x", new byte[] {(byte) 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9});
            expectedReasons.merge("DECODE_UNKNOWN_FINGERPRINT", 1, Integer::sum);
            pub.sendRaw("../evil", SingleObjectCodec.frameEvents().encode(raw("../evil", 0, new byte[W * H * 3], W, H)));
            expectedReasons.merge("INVALID_STREAM_ID", 1, Integer::sum);
            pub.sendRaw("cam-c", SingleObjectCodec.frameEvents().encode(raw("cam-c", 0, new byte[W * H * 3 - 1], W, H)));
            expectedReasons.merge("RAW_SIZE_MISMATCH", 1, Integer::sum);
            byte[] jpeg = PayloadCodecs.jpeg(new byte[W * H * 3], W, H, 0.9f);
            byte[] broken = java.util.Arrays.copyOf(jpeg, jpeg.length / 3);
            FrameEvent corrupt = raw("cam-c", 1, broken, W, H);
            corrupt.getImage().setEncoding(ImageEncoding.JPEG);
            pub.sendRaw("cam-c", SingleObjectCodec.frameEvents().encode(corrupt));
            expectedReasons.merge("IMAGE_CORRUPT", 1, Integer::sum);
            pub.publishStream("cam-b", specs.get("cam-b"), false);
            pub.flush();
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(500);
        GeometryJob.fromConfig(conf).build(env);
        env.execute("geostream-it");

        CommittedOutput out = CommittedOutput.read(SERVERS.kafka().bootstrapServers(), conf.get(SinkOptions.GEOMETRY_TOPIC),
                conf.get(SinkOptions.SEGMENTS_TOPIC), conf.get(SinkOptions.DEAD_LETTER_TOPIC));

        // Exactly once: every valid frame of both streams, no duplicates.
        Set<String> seen = new HashSet<>();
        for (GeometryFrame g : out.frames()) {
            assertThat(seen.add(g.getStreamId() + "#" + g.getFrameIndex())).as("duplicate %s#%d", g.getStreamId(), g.getFrameIndex()).isTrue();
        }
        assertThat(out.frames()).hasSize(2 * FRAMES);
        for (String s : specs.keySet()) {
            for (int i = 0; i < FRAMES; i++) assertThat(seen).contains(s + "#" + i);
        }

        // Malformed inputs: one dead letter each, with its reason; valid frames never dead-lettered.
        Map<String, Integer> reasons = new HashMap<>();
        for (DeadLetter d : out.deadLetters()) reasons.merge(d.getReasonCode(), 1, Integer::sum);
        assertThat(reasons).isEqualTo(expectedReasons);

        // Segments: one per stream, started and ended in order.
        Map<String, List<SegmentEvent>> segs = out.segments().stream().collect(Collectors.groupingBy(SegmentEvent::getStreamId));
        assertThat(segs.keySet()).containsExactlyInAnyOrderElementsOf(specs.keySet());
        for (List<SegmentEvent> l : segs.values()) {
            assertThat(l).extracting(SegmentEvent::getKind).containsExactly(SegmentEventKind.STARTED, SegmentEventKind.ENDED);
            assertThat(l.get(1).getFrameCount()).isEqualTo(FRAMES);
        }

        // Payloads exist with the right shapes.
        try (ObjectStore store = GeometryJob.storageSettings(conf).open()) {
            for (GeometryFrame g : out.frames()) {
                var p = g.getPayloads();
                assertThat(p.getWidth()).isEqualTo(W);
                var points = PayloadCodecs.readNpyFloat32(store.get(store.keyOf(p.getPointMapUri()).orElseThrow()));
                assertThat(points.shape()).containsExactly(H, W, 3);
                assertThat(PayloadCodecs.readPng16(store.get(store.keyOf(p.getDepthUri()).orElseThrow()))).hasSize(W * H);
                assertThat(store.exists(store.keyOf(p.getNormalsUri()).orElseThrow())).isTrue();
                assertThat(store.exists(store.keyOf(p.getRgbUri()).orElseThrow())).isTrue();
                assertThat(store.exists(store.keyOf(p.getConfidenceUri()).orElseThrow())).isTrue();
            }
        }

        // The stitched trajectory follows the truth (simulated model: a pipeline figure, not model accuracy).
        Map<String, Long> published = new TreeMap<>();
        specs.keySet().forEach(s -> published.put(s, (long) FRAMES));
        RunSummary summary = RunSummary.of(published, specs, expectedReasons.size(), out, 0, "simulated");
        for (RunSummary.StreamFigures f : summary.streams()) {
            assertThat(f.ateRmseM()).as("ATE of %s", f.streamId()).isNotNull();
            assertThat(f.ateRmseM() / f.trajectoryLengthM()).as("ATE / path length of %s", f.streamId()).isLessThan(0.05);
        }

        // An independent reader (python3-avro) reads the container file with only schemas/*.avsc.
        Path avro = SERVERS.dir().resolve("geometry-frames.avro");
        io.geostream.demo.DemoRunnerAccess.writeAvroFile(out.frames(), avro);
        checkWithPythonAvro(avro, out.frames().size());

        // Cross-frame consistency of the committed output, in Java (the demo's summary) and recomputed by numpy from the
        // records and the mirrored payloads (scripts/check_consistency.py): the same figures, and clip boundaries as
        // consistent as the inside of a clip (the per_frame method, the job's default).
        Path mirror = SERVERS.dir().resolve("mirror");
        try (ObjectStore store = GeometryJob.storageSettings(conf).open()) {
            io.geostream.demo.DemoRunnerAccess.mirror(store, mirror.resolve("objects"));
        }
        io.geostream.demo.DemoRunnerAccess.writeAvroFile(out.frames(), mirror.resolve("geometry-frames.avro"));
        io.geostream.eval.FrameConsistency.Result java = io.geostream.demo.OutputConsistency.measure(out.frames(),
                mirror.resolve("objects")).overall();
        assertThat(java.boundaryPairs()).isPositive();
        assertThat(java.ratio()).as("boundary / within consistency").isLessThan(1.25);
        // The demo's report over this output (a demo directory: summary.json, geometry-frames.avro, objects/): charts
        // against the truth, payload thumbnails and the map's top view per stream, rendered by headless Chromium.
        Files.writeString(mirror.resolve("summary.json"), summary.withConsistency(
                io.geostream.demo.OutputConsistency.measure(out.frames(), mirror.resolve("objects"))).toJson());
        io.geostream.demo.DemoReport.write(mirror, specs);
        io.geostream.demo.ReportAssertions.assertReportRenders(mirror, specs.keySet(), true);
        Map<String, Double> numpy = checkConsistencyWithNumpy(mirror);
        if (numpy != null) {
            assertThat(numpy.get("boundary_pairs")).isEqualTo((double) java.boundaryPairs());
            assertThat(numpy.get("within_pairs")).isEqualTo((double) java.withinPairs());
            assertThat(numpy.get("boundary_consistency")).isCloseTo(java.boundary(), org.assertj.core.data.Percentage.withPercentage(1));
            assertThat(numpy.get("within_consistency")).isCloseTo(java.within(), org.assertj.core.data.Percentage.withPercentage(1));
        }

        // The Python consumer (scripts/consume.py, Debian's python3-confluent-kafka, -avro, -boto3) on the live topics
        // and S3: every committed frame in its segment's TUM file, with the record's pose; PLYs that Open3D opens. Once
        // all streams with points from depth.png and colour, once one stream from points.npy without colour.
        checkWithConsumePy(conf, out.frames(), null, List.of());
        checkWithConsumePy(conf, out.frames(), "cam-a", List.of("--points", "npy", "--no-colour", "--pixel-step", "2"));
    }

    /**
     * Runs scripts/consume.py against the real stack (credentials from the environment, i.e. boto3's default chain) and
     * checks its output against the committed frames: one TUM file per segment identity, one line per frame (8 fields,
     * capture time in seconds, the record's pose, unit quaternion), and a PLY with points that Open3D reads.
     */
    private static void checkWithConsumePy(Configuration conf, List<GeometryFrame> committed, String stream,
                                           List<String> extraArgs) throws Exception {
        if (!io.geostream.testing.ConsumePy.available()) return;
        List<GeometryFrame> frames = committed.stream().filter(g -> stream == null || g.getStreamId().equals(stream)).toList();
        assertThat(frames).isNotEmpty();
        Path out = SERVERS.dir().resolve("consumed-" + (stream == null ? "all" : stream));
        List<String> args = new java.util.ArrayList<>(extraArgs);
        if (stream != null) args.addAll(List.of("--stream", stream));
        Map<String, String> result = io.geostream.testing.ConsumePy.run(SERVERS.stack(), conf.get(SinkOptions.GEOMETRY_TOPIC),
                conf.get(SinkOptions.SEGMENTS_TOPIC), out, args);
        Map<String, List<GeometryFrame>> bySegment = io.geostream.testing.TumFiles.bySegment(frames);
        assertThat(result).containsEntry("result", "ok").containsEntry("frames", String.valueOf(frames.size()))
                .containsEntry("segments", String.valueOf(bySegment.size())).containsEntry("undecodable", "0");
        if (stream != null) {
            try (var dirs = Files.list(out)) {
                assertThat(dirs.map(d -> d.getFileName().toString()).toList()).containsExactly(stream);
            }
        }

        List<String> plys = new java.util.ArrayList<>();
        for (Map.Entry<String, List<GeometryFrame>> e : bySegment.entrySet()) {
            io.geostream.testing.TumFiles.assertHoldsThePosesOf(out.resolve(e.getKey() + ".tum"), e.getValue());
            plys.add(out.resolve(e.getKey() + ".ply").toString());
        }

        // Open3D opens every PLY: points, colours only with them.
        List<String> check = new java.util.ArrayList<>(List.of("/usr/bin/python3", "-c",
                "import sys, open3d\nfor f in sys.argv[1:]:\n    pc = open3d.io.read_point_cloud(f)\n"
                        + "    print(len(pc.points), pc.has_colors())"));
        check.addAll(plys);
        Process o3d = new ProcessBuilder(check).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String opened = new String(o3d.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(o3d.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(o3d.exitValue()).as(opened).isZero();
        String[] counts = opened.split("\n");
        assertThat(counts).hasSize(plys.size());
        long total = 0;
        for (String c : counts) {
            String[] f = c.trim().split(" ");
            assertThat(Long.parseLong(f[0])).as("points in a PLY").isPositive();
            assertThat(f[1]).isEqualTo(extraArgs.contains("--no-colour") ? "False" : "True");
            total += Long.parseLong(f[0]);
        }
        assertThat(result).containsEntry("points", String.valueOf(total));
    }

    /** scripts/check_consistency.py's result line as numbers, or null where numpy and python3-avro are missing (not in CI). */
    private static Map<String, Double> checkConsistencyWithNumpy(Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean available = Files.isExecutable(python)
                && new ProcessBuilder(python.toString(), "-c", "import avro, numpy").start().waitFor() == 0;
        if (!available) {
            if (System.getenv("CI") != null) throw new AssertionError("CI must provide python3-avro and python3-numpy (.ci/run)");
            System.err.println("python3-avro or numpy not installed: skipping the independent consistency check");
            return null;
        }
        Path root = Path.of("").toAbsolutePath().getParent();
        Process p = new ProcessBuilder(python.toString(), root.resolve("scripts/check_consistency.py").toString(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        Map<String, Double> values = new HashMap<>();
        String[] lines = output.split("\n");
        for (String pair : lines[lines.length - 1].split(" ")) {
            String[] kv = pair.split("=", 2);
            values.put(kv[0], Double.parseDouble(kv[1]));
        }
        return values;
    }

    private static FrameEvent raw(String stream, long index, byte[] data, int w, int h) {
        return FrameEvent.newBuilder().setStreamId(stream).setFrameIndex(index).setCaptureTimeMicros(1_700_000_000_000_000L)
                .setEndOfStream(false)
                .setImage(FrameImage.newBuilder().setEncoding(ImageEncoding.RAW_RGB8).setWidth(w).setHeight(h)
                        .setData(ByteBuffer.wrap(data)).setRef(null).build())
                .setIntrinsics(null).setDistortion(null).setAttributes(Map.of()).build();
    }

    private static void checkWithPythonAvro(Path avro, int expected) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean available = Files.isExecutable(python)
                && new ProcessBuilder(python.toString(), "-c", "import avro").start().waitFor() == 0;
        if (!available) {
            if (System.getenv("CI") != null) throw new AssertionError("CI must provide python3-avro (installed by .ci/run)");
            System.err.println("python3-avro not installed: skipping the independent reader check");
            return;
        }
        Path root = Path.of("").toAbsolutePath().getParent();
        Process p = new ProcessBuilder(python.toString(), root.resolve("scripts/read_geometry_avro.py").toString(), avro.toString(),
                root.resolve("schemas/GeometryFrame.avsc").toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("records=" + expected);
    }
}
