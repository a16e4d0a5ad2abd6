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
        int rc = GeostreamCli.execute("eval", "stitching", "--frames", "30", "--seed", "7", "--seeds", "2",
                "--width", "48", "--height", "36", "--clip-length", "8", "--clip-stride", "5", "--out", out.toString());
        assertThat(rc).isZero();
        String json = Files.readString(out.resolve("stitching.json"));
        assertThat(json).startsWith("{\"frames\": 30, \"seeds\": [7, 8], \"methods\": {\"naive\": {");
        for (String method : new String[] {"\"naive\"", "\"robust\"", "\"robust_keyframes\""}) {
            assertThat(json).contains(method + ": {\"ate_rmse\": ");
        }
        for (String key : new String[] {"ate_over_length", "drift_over_length", "absrel_global", "absrel_clip",
                "delta1_global", "normal_mean_deg", "segment_breaks", "ms_per_frame", "worst_ate_over_length"}) {
            assertThat(json.split("\"" + key + "\": ", -1)).as(key).hasSize(4); // once per method
        }
        assertThat(json).doesNotContain("null");
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
    }
}
