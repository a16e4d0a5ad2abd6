package io.geostream.map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.loop.LoopCorrection;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * scripts/consume.py applies a SegmentCorrection as the job's own {@link LoopCorrection} defines it (docs/data.md): the
 * same corrected poses and depth factors for keyframes, frames between them (the blend about the camera centre) and
 * frames outside them, from a record written as the job writes it.
 */
class ConsumePyCorrectionsTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @Test
    void consumePyCorrectsFramesExactlyAsTheJobDefinesIt() throws Exception {
        boolean numpy = Files.isExecutable(PYTHON) && new ProcessBuilder(PYTHON.toString(), "-c", "import numpy").start().waitFor() == 0;
        if (System.getenv("CI") == null) Assumptions.assumeTrue(numpy, "python3-numpy not installed");
        Random random = new Random(5);
        long[] keyframes = {10, 18, 26};
        List<Sim3> sims = List.of(sim(random), sim(random), sim(random));
        LoopCorrection c = new LoopCorrection(3, 1_000, 2, 26, 2, 40, keyframes, sims);
        ObjectMapper json = new ObjectMapper();
        ObjectNode record = json.createObjectNode().put("streamId", "cam").put("segmentStartMicros", 1_000L)
                .put("segmentId", 3L).put("version", 2);
        ArrayNode kfs = record.putArray("keyframes");
        for (int i = 0; i < keyframes.length; i++) {
            Sim3 s = sims.get(i);
            double[] q = Rotations.toQuaternion(s.rotation());
            kfs.addObject().put("frameIndex", keyframes[i]).put("scale", s.scale()).put("qx", q[0]).put("qy", q[1])
                    .put("qz", q[2]).put("qw", q[3]).put("tx", s.translation()[0]).put("ty", s.translation()[1])
                    .put("tz", s.translation()[2]);
        }
        ArrayNode frames = json.createArrayNode();
        long[] indices = {5, 10, 13, 18, 21, 25, 26, 40};
        RigidTransform[] poses = new RigidTransform[indices.length];
        for (int i = 0; i < indices.length; i++) {
            poses[i] = new RigidTransform(Rotations.axisAngle(new double[] {random.nextGaussian(), random.nextGaussian(), 1},
                    random.nextDouble()), new double[] {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()});
            double[] q = poses[i].quaternion();
            double[] t = poses[i].translation();
            frames.addObject().put("frameIndex", indices[i]).put("qx", q[0]).put("qy", q[1]).put("qz", q[2]).put("qw", q[3])
                    .put("tx", t[0]).put("ty", t[1]).put("tz", t[2]);
        }
        String script = String.join("\n",
                "import json, sys",
                "sys.path.insert(0, sys.argv[1])",
                "import consume",
                "data = json.load(sys.stdin)",
                "sc = consume.SegmentCorrections([data['record']])",
                "out = []",
                "for f in data['frames']:",
                "    m, s = sc.correct(('cam', 1000, 3), f['frameIndex'], consume.world_from_camera(f))",
                "    out.append({'m': m.tolist(), 'scale': s})",
                "print(json.dumps(out))");
        ObjectNode input = json.createObjectNode();
        input.set("record", record);
        input.set("frames", frames);
        JsonNode results = json.readTree(python(script, json.writeValueAsBytes(input)));
        for (int i = 0; i < indices.length; i++) {
            RigidTransform expected = c.correctPose(indices[i], poses[i]);
            Sim3 frameCorrection = c.forFrame(indices[i], poses[i].center());
            JsonNode m = results.get(i).get("m");
            double[] r = expected.rotation(), centre = expected.center();
            for (int row = 0; row < 3; row++) {
                for (int col = 0; col < 3; col++) {
                    assertThat(m.get(row).get(col).asDouble()).as("frame %d R[%d][%d]", indices[i], row, col)
                            .isCloseTo(r[3 * row + col], org.assertj.core.data.Offset.offset(1e-9));
                }
                assertThat(m.get(row).get(3).asDouble()).as("frame %d centre[%d]", indices[i], row)
                        .isCloseTo(centre[row], org.assertj.core.data.Offset.offset(1e-9));
            }
            assertThat(results.get(i).get("scale").asDouble()).isCloseTo(frameCorrection.scale(),
                    org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    /** consume.py names the world of a re-localised segment as map.json does, and none for one in its own world. */
    @Test
    void consumePyNamesARelocalisedSegmentsWorld() throws Exception {
        boolean numpy = Files.isExecutable(PYTHON) && new ProcessBuilder(PYTHON.toString(), "-c", "import numpy").start().waitFor() == 0;
        if (System.getenv("CI") == null) Assumptions.assumeTrue(numpy, "python3-numpy not installed");
        String script = String.join("\n",
                "import json, sys",
                "sys.path.insert(0, sys.argv[1])",
                "import consume",
                "own = {'streamId': 'cam', 'segmentStartMicros': 1000, 'segmentId': 3, 'version': 1, 'keyframes': [],",
                "       'worldSegmentId': -1, 'worldSegmentStartMicros': -1}",
                "moved = dict(own, segmentId=4, worldSegmentId=3, worldSegmentStartMicros=1000)",
                "unknown = dict(own, segmentId=5, worldSegmentId=2, worldSegmentStartMicros=-1)",
                "sc = consume.SegmentCorrections([own, moved, unknown])",
                "print(json.dumps([sc.world_of(('cam', 1000, k)) for k in (3, 4, 5, 6)]))");
        assertThat(python(script, new byte[0]).trim()).isEqualTo("[null, {\"segment_id\": 3, \"segment_start_micros\": 1000},"
                + " {\"segment_id\": 2, \"segment_start_micros\": null}, null]");
    }

    /** Runs {@code script} with scripts/ as its argument and {@code stdin}; its stdout (it must exit 0). */
    private static String python(String script, byte[] stdin) throws Exception {
        Path scripts = Path.of("").toAbsolutePath().getParent().resolve("scripts");
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", script, scripts.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().write(stdin);
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return output;
    }

    private static Sim3 sim(Random random) {
        return new Sim3(0.5 + random.nextDouble() * 2, Rotations.axisAngle(new double[] {random.nextGaussian(),
                random.nextGaussian(), random.nextGaussian()}, random.nextDouble() * 2), new double[] {random.nextGaussian(),
                random.nextGaussian(), random.nextGaussian()});
    }
}
