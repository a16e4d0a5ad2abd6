package io.geostream.load;

import io.geostream.operators.stitch.OverheadStage;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.geostream.load.RecordedFlinkRest.completed;
import static io.geostream.load.RecordedFlinkRest.failed;
import static io.geostream.load.RecordedFlinkRest.inProgress;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the soak reads from Flink's REST API. It once forgave every checkpoint failure of the first minute, whatever
 * its cause, and read nothing at all from {@code localhost:0} while reporting no failure.
 */
class JobWatchTest {
    private final RecordedFlinkRest rest = new RecordedFlinkRest("j1");
    private final JobWatch watch = new JobWatch(rest, "j1");

    @Test
    void failedCheckpointsAreForgivenOnlyForTasksNotRunning() {
        String notReady = CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_NOT_READY.message();
        // Start-up: one declined for tasks not ready, one that could not be triggered (counted, no history entry).
        rest.job("RUNNING", "DEPLOYING", 0).restarts(0).checkpoints(0, 2, failed(1, notReady));
        watch.sample();
        assertThat(watch.started()).isFalse();

        rest.job("RUNNING", "RUNNING", 0);
        watch.sample();
        assertThat(watch.started()).isTrue();
        assertThat(watch.failedCheckpoints()).isZero();
        assertThat(watch.forgivenCheckpoints()).isEqualTo(2);

        rest.checkpoints(2, 3, completed(4, 120), failed(3, notReady), completed(2, 80), failed(1, notReady));
        watch.sample();
        assertThat(watch.failedCheckpoints()).isZero();
        assertThat(watch.forgivenCheckpoints()).isEqualTo(3);
        assertThat(watch.completedCheckpoints()).isEqualTo(2);
        assertThat(watch.lastCheckpointMs()).isEqualTo(120);

        rest.checkpoints(2, 4, failed(5, "Checkpoint was declined. (injected failure of checkpoint 5)"), completed(4, 120),
                failed(3, notReady));
        watch.sample();
        assertThat(watch.failedCheckpoints()).isEqualTo(1);
        assertThat(watch.failureReasons()).containsKeys(1L, 3L, 5L);
        assertThat(watch.restErrors()).isZero();
    }

    @Test
    void aFailureForAReasonOfItsOwnCountsEvenBeforeEveryTaskRuns() {
        rest.job("RUNNING", "INITIALIZING", 0).restarts(0).checkpoints(0, 1, failed(1, "Checkpoint expired before completing."));
        watch.sample();
        assertThat(watch.started()).isFalse();
        assertThat(watch.failedCheckpoints()).isEqualTo(1);
    }

    @Test
    void aFailureWithoutAHistoryEntryAfterStartUpCountsForNothingTellsItsReason() {
        rest.job("RUNNING", "RUNNING", 0).restarts(0).checkpoints(1, 0, inProgress(2), completed(1, 50));
        watch.sample();
        rest.checkpoints(2, 1, completed(2, 50), completed(1, 50));
        watch.sample();
        assertThat(watch.failedCheckpoints()).isEqualTo(1);

        rest.checkpoints(2, 2, failed(3, "Checkpoint expired before completing."), completed(2, 50));
        watch.sample();
        assertThat(watch.failedCheckpoints()).isEqualTo(2);

        rest.job("RESTARTING", "CANCELING", 1_700_000_000_000L).checkpoints(2, 4, failed(3, "Checkpoint expired before completing."),
                completed(2, 50));
        watch.sample();
        assertThat(watch.failedCheckpoints()).as("no task running to trigger: the restart explains them").isEqualTo(2);
        assertThat(watch.forgivenCheckpoints()).isEqualTo(2);
    }

    @Test
    void restartsComeFromTheMetricTheJobStateOrItsRestartingTimestamp() {
        rest.job("RUNNING", "RUNNING", 0).restarts(0).checkpoints(0, 0);
        watch.sample();
        assertThat(watch.restarts()).isZero();

        rest.job("RUNNING", "RUNNING", 1_700_000_000_000L);
        watch.sample();
        assertThat(watch.restarts()).as("RESTARTING was entered, the metric not fetched yet").isEqualTo(1);

        rest.restarts(3).job("RESTARTING", "CANCELING", 1_700_000_000_000L);
        watch.sample();
        assertThat(watch.restarts()).isEqualTo(3);
        assertThat(watch.statesAfterStart()).containsExactly("RESTARTING");
    }

    @Test
    void anUnreadableRestApiAfterStartUpIsCountedNotSkipped() {
        watch.sample();
        assertThat(watch.restErrors()).as("refused while the job initialises").isZero();
        assertThat(watch.lastRestError()).contains("/jobs/j1");
        assertThat(watch.started()).isFalse();

        rest.job("RUNNING", "RUNNING", 0).restarts(0).checkpoints(0, 0);
        watch.sample();
        rest.put("/jobs/j1/vertices/v1/backpressure", null);
        watch.sample();
        assertThat(watch.restErrors()).isEqualTo(1);
        assertThat(watch.backpressureMax()).isEqualTo(0.25);
    }

    @Test
    void eachSampleReadsHowBusyEachStageIs() {
        rest.job("RUNNING", "RUNNING", 0).restarts(0).checkpoints(0, 0);
        watch.sample();
        rest.busy(900);
        watch.sample();
        assertThat(watch.lastBusiestVertex()).isEqualTo("Source:_frames(+1)");
        assertThat(watch.lastBusiest()).isEqualTo(0.9);
        assertThat(watch.busyByVertex()).containsOnlyKeys("Source:_frames(+1)");
        assertThat(watch.busyByVertex().get("Source:_frames(+1)")).containsExactly(0.25, 0.9);

        rest.put("/jobs/j1/vertices/v1/subtasks/metrics?get=busyTimeMsPerSecond&agg=max", null);
        watch.sample();
        assertThat(watch.restErrors()).as("a stage's busy time that cannot be read is a failed read").isEqualTo(1);
    }

    @Test
    void rocksDbMemoryIsTheStatesTablesPlusTheirSharedCacheOnce() {
        JobWatch rocks = new JobWatch(rest, "j1").withRocksDbMemory();
        rest.job("RUNNING", "RUNNING", 0).restarts(0).checkpoints(0, 0);
        String a = "0.clip__cut_overlapping_clips.clip-cutter.rocksdb.", b = "0.clip__cut_overlapping_clips.clip-frame-pixels.rocksdb.";
        rest.put("/jobs/j1/vertices/v1/metrics", "[{\"id\":\"" + a + "cur-size-all-mem-tables\"},{\"id\":\"" + a
                + "block-cache-usage\"},{\"id\":\"" + b + "cur-size-all-mem-tables\"},{\"id\":\"" + b
                + "block-cache-usage\"},{\"id\":\"numRecordsIn\"}]");
        rest.put("/jobs/j1/vertices/v1/metrics?get=" + java.net.URLEncoder.encode(a + "cur-size-all-mem-tables," + a
                + "block-cache-usage," + b + "cur-size-all-mem-tables," + b + "block-cache-usage", java.nio.charset.StandardCharsets.UTF_8), "[{\"id\":\"" + a + "cur-size-all-mem-tables\",\"value\":\"1000\"},"
                + "{\"id\":\"" + a + "block-cache-usage\",\"value\":\"5000\"},{\"id\":\"" + b
                + "cur-size-all-mem-tables\",\"value\":\"2000\"},{\"id\":\"" + b + "block-cache-usage\",\"value\":\"5000\"}]");
        rocks.sample();
        assertThat(rocks.restErrors()).isZero();
        assertThat(rocks.lastRocksDbBytes()).isEqualTo(1000 + 2000 + 5000);
        assertThat(rocks.maxRocksDbBytes()).isEqualTo(8000);
        assertThat(watch.lastRocksDbBytes()).as("not asked for: not read").isEqualTo(-1);
    }

    @Test
    void pipelineOverheadIsTheLargestP99OfTheStitchSubtasks() throws Exception {
        rest.job("RUNNING", "RUNNING", 0).restarts(0).checkpoints(0, 0);
        watch.sample();
        assertThat(watch.lastOverheadP99Ms()).as("no stitch stage: nothing read").isNaN();
        String a = "0.stitch:_global_frame_+_payloads.pipelineOverheadMs_p99", b = "1.stitch:_global_frame_+_payloads.pipelineOverheadMs_p99";
        rest.put("/jobs/j1/vertices/v1/metrics", "[{\"id\":\"" + a + "\"},{\"id\":\"" + b + "\"},{\"id\":\"0.numRecordsIn\"}]");
        // The ids go out URL-encoded ('+' in a query would reach Flink as a space).
        rest.put("/jobs/j1/vertices/v1/metrics?get=" + java.net.URLEncoder.encode(a + "," + b, java.nio.charset.StandardCharsets.UTF_8),
                "[{\"id\":\"" + a + "\",\"value\":\"41.0\"},{\"id\":\"" + b + "\",\"value\":\"87.5\"}]");
        watch.sample();
        assertThat(watch.restErrors()).isZero();
        assertThat(watch.lastOverheadP99Ms()).isEqualTo(87.5);
        assertThat(watch.overheadP99sMs()).containsExactly(87.5);
    }

    @Test
    void theOverheadsMedianAndEachStagesMedianAndP99AreTheLargestOverTheStitchSubtasks() throws Exception {
        rest.job("RUNNING", "RUNNING", 0).restarts(0).checkpoints(0, 0);
        watch.sample();
        String prefix0 = "0.stitch:_global_frame_+_payloads.", prefix1 = "1.stitch:_global_frame_+_payloads.";
        List<String> ids = List.of(prefix0 + "pipelineOverheadMs_p99", prefix1 + "pipelineOverheadMs_median",
                prefix0 + "pipelineOverheadStitchMs_median", prefix0 + "pipelineOverheadStitchMs_p99", prefix1 + "pipelineOverheadStitchMs_p99",
                prefix1 + "pipelineOverheadWriteMs_p99", prefix0 + "pipelineOverheadStitchMs_mean");
        StringBuilder listing = new StringBuilder("[");
        for (String id : ids) listing.append(listing.length() > 1 ? "," : "").append("{\"id\":\"").append(id).append("\"}");
        rest.put("/jobs/j1/vertices/v1/metrics", listing + "]");
        List<String> asked = ids.subList(0, 6); // not the mean
        double[] values = {90, 33, 12, 30, 45, 8};
        StringBuilder answer = new StringBuilder("[");
        for (int i = 0; i < asked.size(); i++) {
            answer.append(i > 0 ? "," : "").append("{\"id\":\"").append(asked.get(i)).append("\",\"value\":\"").append(values[i]).append("\"}");
        }
        rest.put("/jobs/j1/vertices/v1/metrics?get=" + java.net.URLEncoder.encode(String.join(",", asked), java.nio.charset.StandardCharsets.UTF_8),
                answer + "]");
        watch.sample();
        assertThat(watch.restErrors()).isZero();
        assertThat(watch.lastOverheadP99Ms()).as("the whole overhead is not a stage").isEqualTo(90.0);
        assertThat(watch.lastOverheadMedianMs()).isEqualTo(33.0);
        assertThat(watch.lastOverheadStagesMs()).containsOnlyKeys(OverheadStage.STITCH, OverheadStage.WRITE);
        assertThat(watch.lastOverheadStagesMs().get(OverheadStage.STITCH)).containsExactly(12.0, 45.0);
        assertThat(watch.lastOverheadStagesMs().get(OverheadStage.WRITE)[1]).isEqualTo(8.0);
        assertThat(watch.lastOverheadStagesMs().get(OverheadStage.WRITE)[0]).isNaN();
    }

    @Test
    void manyMetricIdsAreAskedForInSeveralEncodedRequests() throws Exception {
        JobWatch rocks = new JobWatch(rest, "j1").withRocksDbMemory();
        rest.job("RUNNING", "RUNNING", 0).restarts(0).checkpoints(0, 0);
        List<String> ids = new ArrayList<>();
        for (int subtask = 0; subtask < 2; subtask++) {
            for (int state = 0; state < 10; state++) ids.add(subtask + ".stitch:_global_frame_+_payloads.s" + state + ".rocksdb.cur-size-all-mem-tables");
        }
        StringBuilder listing = new StringBuilder("[");
        for (String id : ids) listing.append(listing.length() > 1 ? "," : "").append("{\"id\":\"").append(id).append("\"}");
        rest.put("/jobs/j1/vertices/v1/metrics", listing + "]");
        for (int from = 0; from < ids.size(); from += JobWatch.IDS_PER_REQUEST) {
            List<String> part = ids.subList(from, Math.min(ids.size(), from + JobWatch.IDS_PER_REQUEST));
            StringBuilder values = new StringBuilder("[");
            for (String id : part) values.append(values.length() > 1 ? "," : "").append("{\"id\":\"").append(id).append("\",\"value\":\"100\"}");
            rest.put("/jobs/j1/vertices/v1/metrics?get=" + java.net.URLEncoder.encode(String.join(",", part),
                    java.nio.charset.StandardCharsets.UTF_8), values + "]");
        }
        rocks.sample();
        assertThat(rocks.restErrors()).isZero();
        assertThat(rocks.lastRocksDbBytes()).isEqualTo(100L * ids.size());
    }
}
