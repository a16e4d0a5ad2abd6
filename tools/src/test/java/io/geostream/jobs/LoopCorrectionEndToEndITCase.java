package io.geostream.jobs;

import io.geostream.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loop closure through the whole real path: the demo's first camera orbits the room (a lap is 240 frames at the demo's
 * 10 fps), so after 320 frames it has come back to where it started. The job (embedded Kafka, S3, Flink) must publish
 * a {@code SegmentCorrection} through its exactly-once sink, the demo must keep it in its output directory, an independent
 * reader (python3-avro, only the file) must read it, and {@code geostream map} must apply it. Before, no run of the
 * job in CI published a correction (the demo's 150-frame streams never lap), and a demo's output held none.
 */
class LoopCorrectionEndToEndITCase {

    @Test
    void anOrbitingCameraGetsACorrectionThatTheOutputKeepsAndTheMapApplies(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        CliRun demo = CliRun.of("demo", "--streams", "1", "--frames", "320", "--ui-port", "0", "--out", out.toString());
        assertThat(demo.exitCode()).as(demo.stderr()).isZero();
        assertThat(demo.result()).containsEntry("frames_out", "320").containsEntry("dead_letters", "0");
        String summary = Files.readString(out.resolve("summary.json"), StandardCharsets.UTF_8);
        assertThat(number(summary, "corrections")).isGreaterThanOrEqualTo(1);
        assertThat(number(summary, "segments_corrected")).isEqualTo(1);
        assertThat(number(summary, "ate_over_length_corrected")).isPositive().isLessThan(0.05);

        // The file with nothing but Python's Avro library: a real loop (its two views at least the minimum gap apart)
        // whose keyframe corrections move the published world.
        Map<String, String> read = python(out.resolve("segment-corrections.avro"));
        assertThat(read.get("streams")).isEqualTo("cam-0");
        assertThat(Long.parseLong(read.get("records"))).isGreaterThanOrEqualTo(1);
        assertThat(Long.parseLong(read.get("min_loop_gap"))).isGreaterThanOrEqualTo(150);
        assertThat(Long.parseLong(read.get("keyframes"))).isGreaterThanOrEqualTo(2);
        assertThat(read.get("scales_positive")).isEqualTo("True");
        assertThat(Double.parseDouble(read.get("largest_shift"))).isPositive();

        // geostream map on the output directory applies the segment's latest correction, unless told not to.
        CliRun map = CliRun.of("map", "--from-output", out.toString(), "--stream", "cam-0", "--out", dir.resolve("map").toString());
        assertThat(map.exitCode()).isZero();
        assertThat(Files.readString(dir.resolve("map/cam-0/map.json"))).containsPattern("\"correction_version\": " + read.get("latest_version") + "\\b");
        CliRun raw = CliRun.of("map", "--from-output", out.toString(), "--stream", "cam-0", "--no-corrections",
                "--out", dir.resolve("raw").toString());
        assertThat(raw.exitCode()).isZero();
        assertThat(Files.readString(dir.resolve("raw/cam-0/map.json"))).containsPattern("\"correction_version\": 0\\b");
    }

    private static double number(String json, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\": ([-0-9.eE]+)").matcher(json);
        assertThat(m.find()).as("%s in %s", key, json).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static Map<String, String> python(Path file) throws Exception {
        String script = String.join("\n",
                "import sys, avro.datafile, avro.io",
                "recs = list(avro.datafile.DataFileReader(open(sys.argv[1], 'rb'), avro.io.DatumReader()))",
                "kfs = [k for r in recs for k in r['keyframes']]",
                "print('records=%d streams=%s min_loop_gap=%d keyframes=%d latest_version=%d scales_positive=%s largest_shift=%.6g' % (",
                "    len(recs), ','.join(sorted({r['streamId'] for r in recs})),",
                "    min(r['loopNewFrameIndex'] - r['loopOldFrameIndex'] for r in recs), max(len(r['keyframes']) for r in recs),",
                "    max(r['version'] for r in recs), all(k['scale'] > 0 for k in kfs),",
                "    max(abs(k['tx']) + abs(k['ty']) + abs(k['tz']) + abs(k['scale'] - 1) for k in kfs)))");
        Process p = new ProcessBuilder(List.of("/usr/bin/python3", "-c", script, file.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as("python3-avro on %s: %s", file, stdout).isZero();
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String kv : stdout.split(" ")) pairs.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        return pairs;
    }
}
