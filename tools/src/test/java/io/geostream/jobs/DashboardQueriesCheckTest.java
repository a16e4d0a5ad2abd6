package io.geostream.jobs;

import io.geostream.testing.RepoFiles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The check DashboardMetricsITCase runs against the reporter's metrics is not vacuous: a metric or a label the
 * dashboard needs and the job does not export fails it, naming the panel. Also how the reporter's text is read.
 */
class DashboardQueriesCheckTest {
    private static final String OP = "flink_taskmanager_job_task_operator_";
    private static final Path DASHBOARD = RepoFiles.root().resolve("deploy/grafana/dashboards/geostream.json");

    /** Exactly what the dashboard queries, each metric with every label any query uses. */
    private static Map<String, Set<String>> justEnough() {
        Set<String> labels = Set.of("quantile", "camera", "rejected", "operator_name", "task_name");
        Map<String, Set<String>> exported = new TreeMap<>();
        for (String m : Set.of("framesValid", "framesOut", "framesFailed", "endToEndLatencyMs", "processingLatencyMs",
                "stitchReleaseLagMs", "inferenceLatencyMs", "inferenceClipsPerBatch", "inferenceQueued", "clipsCut", "clipsInferred",
                "clipsFailed", "stitchResidualRmsMilli", "stitchInlierSharePercent", "stitchScaleStepPermille", "rejected_count",
                "camera_framesOut", "camera_endToEndLatencyMs", "camera_segmentsStarted", "loopsClosed", "segmentsRelocalised",
                "loopsRefusedByScale", "loopCorrectionDelayMs", "loopKeyframes")) {
            exported.put(OP + m, new TreeSet<>(labels));
        }
        for (String m : Set.of("flink_jobmanager_job_lastCheckpointDuration", "flink_jobmanager_job_numberOfFailedCheckpoints",
                "flink_jobmanager_job_numRestarts", "flink_taskmanager_job_task_backPressuredTimeMsPerSecond")) {
            exported.put(m, new TreeSet<>(labels));
        }
        return exported;
    }

    @Test
    void aMissingMetricOrLabelFailsTheCheck() throws Exception {
        DashboardMetricsITCase.assertDashboardQueriesExportedMetrics(DASHBOARD, justEnough());

        Map<String, Set<String>> noScaleStep = justEnough();
        noScaleStep.remove(OP + "stitchScaleStepPermille");
        assertThatThrownBy(() -> DashboardMetricsITCase.assertDashboardQueriesExportedMetrics(DASHBOARD, noScaleStep))
                .hasMessageContaining("Scale step [A]").hasMessageContaining(OP + "stitchScaleStepPermille is not exported");

        Map<String, Set<String>> noCameraLabel = justEnough();
        noCameraLabel.get(OP + "camera_framesOut").remove("camera");
        assertThatThrownBy(() -> DashboardMetricsITCase.assertDashboardQueriesExportedMetrics(DASHBOARD, noCameraLabel))
                .hasMessageContaining("Frames out per camera [A]").hasMessageContaining("has no label camera")
                .hasMessageContaining("variable camera");

        Map<String, Set<String>> noReason = justEnough();
        noReason.get(OP + "rejected_count").remove("rejected");
        assertThatThrownBy(() -> DashboardMetricsITCase.assertDashboardQueriesExportedMetrics(DASHBOARD, noReason))
                .hasMessageContaining("groups by rejected, which its metrics lack");
    }

    @Test
    void theReportersTextIsReadIntoNamesAndLabels() {
        String text = """
                # HELP flink_x_framesOut framesOut (scope: x)
                # TYPE flink_x_framesOut gauge
                flink_x_framesOut{camera="cam_0",task_name="a,\\"b\\"=c",} 16.0
                flink_x_lat{quantile="0.5",} 3.0
                flink_x_lat_count{} 2.0
                flink_up 1.0
                """;
        assertThat(DashboardMetricsITCase.labelsByMetric(text)).isEqualTo(Map.of(
                "flink_x_framesOut", Set.of("camera", "task_name"), "flink_x_lat", Set.of("quantile"),
                "flink_x_lat_count", Set.of(), "flink_up", Set.of()));
    }
}
