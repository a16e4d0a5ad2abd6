package io.geostream.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code geostream eval stitching} on a tiny run: the JSON shape of issue 4, the TUM files, exit codes. */
class EvalCommandTest {

    @Test
    void writesStitchingJsonInTheIssuesShape(@TempDir Path out) throws Exception {
        io.geostream.testing.CliRun run = io.geostream.testing.CliRun.of("eval", "stitching", "--frames", "30", "--seed", "7",
                "--seeds", "2", "--width", "48", "--height", "36", "--clip-length", "8", "--clip-stride", "5", "--out", out.toString());
        assertThat(run.exitCode()).isZero();
        // One key=value result line on stdout; the per-seed lines and the table on stderr.
        assertThat(run.result()).containsEntry("job_method", EvalCommand.Stitching.JOB_METHOD.toString())
                .containsEntry("out", out.resolve("stitching.json").toString()).containsKeys("ate_over_length", "consistency_ratio");
        assertThat(run.stderr()).contains("seed 7 ", "ate/len");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("stitching.json").toFile());
        assertThat(json.get("frames").asInt()).isEqualTo(30);
        assertThat(json.get("seeds").toString()).isEqualTo("[7,8]");
        assertThat(json.get("error_model").asText()).isEqualTo("realistic");
        assertThat(json.get("job_method").asText()).isEqualTo(EvalCommand.Stitching.JOB_METHOD.toString());
        assertThat(json.get("methods").fieldNames()).toIterable()
                .containsExactly("naive", "robust", "robust_keyframes", "per_frame", "per_frame+loops");
        for (com.fasterxml.jackson.databind.JsonNode method : json.get("methods")) {
            for (String key : new String[] {"ate_rmse", "ate_over_length", "drift_over_length", "rpe1", "spike_share",
                    "points_global_rel", "points_clip_rel", "points_ratio", "boundary_consistency", "within_consistency",
                    "consistency_ratio", "absrel_global", "absrel_clip", "delta1_global", "normal_mean_deg",
                    "segment_breaks", "ms_per_frame", "worst_ate_over_length", "worst_points_ratio",
                    "worst_consistency_ratio"}) {
                assertThat(method.get(key)).as(key).isNotNull();
                assertThat(method.get(key).isNumber()).as(key + " is a number").isTrue();
            }
            assertThat(method.get("points_global_rel").asDouble()).isPositive();
            assertThat(method.get("within_consistency").asDouble()).isPositive();
        }
        // 30 frames, header line included.
        assertThat(Files.readAllLines(out.resolve("robust-seed7.tum"))).hasSize(31);
        for (String png : new String[] {"topview-seed7.png", "errors-seed7.png"}) {
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(out.resolve(png).toFile());
            assertThat(image.getWidth()).as(png).isEqualTo(900);
        }
    }

    @Test
    void usageErrorsExitWith2(@TempDir Path out) {
        assertThat(GeostreamCli.execute("eval")).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--frames", "2", "--out", out.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--clip-length", "8", "--clip-stride", "7", "--out",
                out.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--dynamic-share", "2", "--out", out.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--overlap-policy", "last", "--out", out.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--tum", out.toString(), "--out", out.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--methods", "per_frame,loops", "--out", out.toString())).isEqualTo(2);
    }
}
