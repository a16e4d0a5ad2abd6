package io.geostream.demo;

import io.geostream.avro.GeometryFrame;
import io.geostream.testing.CliRun;
import io.geostream.testing.RepoFiles;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code geostream demo --source}: the real DAVIS clip through the camera producer into the embedded Kafka, the
 * job with the tiny TorchScript package (DJL/libtorch), and the committed output read back. A real video has no
 * truth, so the summary's trajectory error must be null and the report shows the estimated path alone.
 */
class VideoDemoITCase {

    @TempDir
    Path out;

    @Test
    void runsTheRealClipThroughTheWholePipeline() throws Exception {
        int frames = 30;
        CliRun run = CliRun.of("demo", "--source", RepoFiles.davisClip().toString(), "--stream", "davis",
                "--model", RepoFiles.model("tiny-e2e").toString(), "--max-frames", String.valueOf(frames),
                "--resize", "320x180", "--clip-length", "8", "--clip-stride", "6", "--parallelism", "1",
                "--ui-port", "0", "--out", out.toString());
        assertThat(run.exitCode()).isZero();
        // stdout: the one result line; the progress and where the report is on stderr.
        Map<String, String> result = run.result();
        assertThat(result).containsEntry("result", "ok").containsEntry("frames_out", String.valueOf(frames))
                .containsEntry("report", out.resolve("report").resolve("index.html").toString());
        assertThat(run.stderr()).contains("published", "report: " + out.resolve("report").resolve("index.html").toUri());

        String summary = Files.readString(out.resolve("summary.json"), StandardCharsets.UTF_8);
        assertThat(summary).contains("\"frames_in\": " + frames, "\"frames_out\": " + frames, "\"dead_letters\": 0",
                "\"ate_rmse_m\": null", "\"trajectory_length_m\": null", "\"davis\": {", "\"model\": \"" + RepoFiles.model("tiny-e2e"));

        List<GeometryFrame> committed = new ArrayList<>();
        try (DataFileReader<GeometryFrame> r = new DataFileReader<>(out.resolve("geometry-frames.avro").toFile(),
                new SpecificDatumReader<>(GeometryFrame.class))) {
            r.forEach(committed::add);
        }
        assertThat(committed).hasSize(frames);
        assertThat(committed).extracting(GeometryFrame::getStreamId).containsOnly("davis");
        assertThat(committed).extracting(GeometryFrame::getFrameIndex).containsExactlyInAnyOrderElementsOf(
                java.util.stream.LongStream.range(0, frames).boxed().toList());
        // The payloads the events name are in the mirrored object store.
        try (var files = Files.walk(out.resolve("objects"))) {
            assertThat(files.filter(p -> p.getFileName().toString().equals("points.npy")).count()).isEqualTo(frames);
        }
        // The report: the estimated path alone (no truth, and the page says so), payloads, the map, in headless Chromium.
        ReportAssertions.assertReportRenders(out, List.of("davis"), false);
    }
}
