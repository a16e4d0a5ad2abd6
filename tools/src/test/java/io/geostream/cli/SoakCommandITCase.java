package io.geostream.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short real soak (embedded broker and S3, MiniCluster, REST on a port Flink picks) in which checkpoint 8 is made to
 * fail once output flows: the soak must exit 1 and name the failed checkpoint and the restart it caused, while
 * exactly-once still holds: every frame but the open clips' committed, none twice. The restore re-commits the last
 * completed checkpoint's transaction, which was committed before the failure: Kafka then answers "fenced" and Flink's
 * committer logs "most likely signals data loss" (README, Operations), so {@code data_loss_logged} may join the reasons,
 * while the committed frames show that nothing was lost. A soak once printed {@code failed_checkpoints=0} and exited 0
 * through a run that committed nothing, reading {@code localhost:0}.
 */
class SoakCommandITCase {

    @Test
    void aFailedCheckpointFailsTheSoakAndSaysWhy(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path profile = dir.resolve("soak.collapsed");
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            rc = GeostreamCli.execute("soak", "--streams", "2", "--fps", "4", "--width", "64", "--height", "48", "--minutes", "0.4",
                    "--checkpoint-interval", "1 s", "--sample", "4", "--ui-port", "0", "--fail-checkpoint", "8",
                    "--profile", profile.toString());
        } finally {
            System.setOut(stdout);
        }
        String output = captured.toString(StandardCharsets.UTF_8).strip();
        System.out.println(output);
        String last = output.substring(output.lastIndexOf('\n') + 1);
        Map<String, String> result = new LinkedHashMap<>();
        Arrays.stream(last.split(" ")).map(kv -> kv.split("=", 2)).forEach(kv -> result.put(kv[0], kv.length > 1 ? kv[1] : ""));

        assertThat(rc).isEqualTo(1);
        assertThat(result.get("result")).isEqualTo("failed");
        assertThat(result.get("reasons").split(",")).contains("checkpoint_failed", "job_restarted")
                .isSubsetOf("checkpoint_failed", "job_restarted", "data_loss_logged");
        // The injected one, and on a loaded machine also those in flight when the task failed (Flink aborts them with
        // the coordinator's suspension): at least one, and the exit rule does not depend on how many.
        assertThat(Long.parseLong(result.get("failed_checkpoints"))).isGreaterThanOrEqualTo(1);
        assertThat(Long.parseLong(result.get("restarts"))).isGreaterThanOrEqualTo(1);
        assertThat(result.get("rest_errors")).as("the REST port Flink bound was read").isEqualTo("0");
        assertThat(Long.parseLong(result.get("checkpoints"))).isPositive();
        assertThat(result.get("committed_twice")).isEqualTo("0");
        assertThat(Long.parseLong(result.get("committed_frames"))).isGreaterThanOrEqualTo(Long.parseLong(result.get("expected_at_least")))
                .isPositive();
        assertThat(result.get("heap_slope_mb_per_h")).isEqualTo("too_short");
        // The pace rules: a bound from the clip, stride, interval and checkpoints; no trend over 0.4 minutes.
        assertThat(Double.parseDouble(result.get("latency_bound_ms"))).isGreaterThan((16 + 12) * 1000.0 / 4 + 1000 + 2000);
        // When the start-up backlog was worked off: a second of the run, or never (a restart's replay may end it late).
        assertThat(result.get("caught_up_s")).matches("\\d+|never");
        assertThat(result.get("latency_trend_s_per_min")).isEqualTo("too_short");
        assertThat(result.get("latency_trend_ci95")).isEqualTo("too_short");
        // --profile: collapsed stacks of the whole JVM, thread name first, the job's stitch task among them.
        java.util.List<String> stacks = java.nio.file.Files.readAllLines(profile);
        assertThat(stacks).isNotEmpty().allMatch(line -> line.startsWith("[") && line.matches(".* \\d+$"));
        assertThat(stacks).anyMatch(line -> line.startsWith("[clip: cut overlapping clips"));
    }
}
