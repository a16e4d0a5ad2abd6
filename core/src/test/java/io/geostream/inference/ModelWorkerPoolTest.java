package io.geostream.inference;

import io.geostream.model.ClipInput;
import io.geostream.testing.ScriptedGeometryModel;
import io.geostream.testing.ScriptedGeometryModel.Action;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelWorkerPoolTest {

    private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(300), Duration.ofMillis(10), Duration.ofMillis(40));

    private static ClipInput clip() {
        List<ClipInput.Frame> frames = List.of(
                new ClipInput.Frame(0, 0, new byte[4 * 3 * 3], null, false),
                new ClipInput.Frame(1, 1, new byte[4 * 3 * 3], null, false));
        return new ClipInput("s", 0, 0, 4, 3, frames, Map.of());
    }

    private static ClipOutcome run(List<Action> script) throws Exception {
        ScriptedGeometryModel.reset(script);
        try (ModelWorkerPool pool = new ModelWorkerPool(ScriptedGeometryModel::new, 1, FAST)) {
            return pool.submit(clip()).get();
        }
    }

    @Test
    void succeedsFirstTime() throws Exception {
        ClipOutcome o = run(List.of(Action.OK));
        assertThat(o.failed()).isFalse();
        assertThat(o.attempts()).isEqualTo(1);
        assertThat(o.geometry().frames()).hasSize(2);
        assertThat(o.model().id()).isEqualTo("scripted");
    }

    @Test
    void retriesTransientFailures() throws Exception {
        ClipOutcome o = run(List.of(Action.FAIL_RETRYABLE, Action.FAIL_RETRYABLE, Action.OK));
        assertThat(o.failed()).isFalse();
        assertThat(o.attempts()).isEqualTo(3);
    }

    @Test
    void givesUpAfterMaxAttempts() throws Exception {
        ClipOutcome o = run(List.of(Action.FAIL_RETRYABLE, Action.FAIL_RETRYABLE, Action.FAIL_RETRYABLE, Action.OK));
        assertThat(o.failed()).isTrue();
        assertThat(o.failureReason()).isEqualTo("MODEL_ERROR");
        assertThat(o.attempts()).isEqualTo(3);
        assertThat(ScriptedGeometryModel.CALLS.get()).isEqualTo(3);
    }

    @Test
    void permanentFailuresAreNotRetried() throws Exception {
        ClipOutcome o = run(List.of(Action.FAIL_PERMANENT, Action.OK));
        assertThat(o.failureReason()).isEqualTo("MODEL_INPUT_REJECTED");
        assertThat(ScriptedGeometryModel.CALLS.get()).isEqualTo(1);
    }

    @Test
    void aHungAttemptMissesItsDeadlineAndTheWorkerIsRebuilt() throws Exception {
        ScriptedGeometryModel.reset(List.of(Action.HANG, Action.OK));
        try (ModelWorkerPool pool = new ModelWorkerPool(ScriptedGeometryModel::new, 1, FAST)) {
            ClipOutcome o = pool.submit(clip()).get();
            assertThat(o.failed()).isFalse();
            assertThat(o.attempts()).isEqualTo(2);
            assertThat(pool.rebuilds()).isEqualTo(1);
            // The hung worker's model was closed and a fresh one created.
            assertThat(ScriptedGeometryModel.INSTANCES.get()).isEqualTo(2);
            awaitClosed(1);
        }
    }

    @Test
    void timeoutOnEveryAttemptIsATypedFailure() throws Exception {
        ClipOutcome o = run(List.of(Action.HANG, Action.HANG, Action.HANG));
        assertThat(o.failureReason()).isEqualTo("MODEL_TIMEOUT");
        assertThat(o.failureDetail()).contains("after 3 attempts");
    }

    @Test
    void aCrashedPredictorIsRebuiltNotTheJob() throws Exception {
        ScriptedGeometryModel.reset(List.of(Action.CRASH, Action.OK));
        try (ModelWorkerPool pool = new ModelWorkerPool(ScriptedGeometryModel::new, 1, FAST)) {
            ClipOutcome o = pool.submit(clip()).get();
            assertThat(o.failed()).isFalse();
            assertThat(pool.rebuilds()).isEqualTo(1);
        }
    }

    @Test
    void nonFiniteAndWrongShapeOutputsAreRejected() throws Exception {
        assertThat(run(List.of(Action.NAN)).failureReason()).isEqualTo("MODEL_OUTPUT_NON_FINITE");
        assertThat(run(List.of(Action.WRONG_FRAME_COUNT)).failureReason()).isEqualTo("MODEL_OUTPUT_SHAPE");
    }

    @Test
    void warmUpCreatesEveryWorkersModelUpFront() throws Exception {
        ScriptedGeometryModel.reset(List.of());
        try (ModelWorkerPool pool = new ModelWorkerPool(ScriptedGeometryModel::new, 3, FAST)) {
            assertThat(pool.warmUp().id()).isEqualTo("scripted");
            assertThat(ScriptedGeometryModel.INSTANCES.get()).isEqualTo(3);
        }
        awaitClosed(3);
    }

    private static void awaitClosed(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (ScriptedGeometryModel.CLOSED.get() < n && System.currentTimeMillis() < deadline) Thread.sleep(10);
        assertThat(ScriptedGeometryModel.CLOSED.get()).isEqualTo(n);
    }

    @Test
    void policyValidatesAndBoundsTheWorstCase() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO)).hasMessageContaining("maxAttempts");
        RetryPolicy p = new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(150));
        assertThat(p.backoffBefore(2)).isEqualTo(Duration.ofMillis(100));
        assertThat(p.backoffBefore(3)).isEqualTo(Duration.ofMillis(150));
        assertThat(p.worstCase()).isEqualTo(Duration.ofMillis(3250));
    }
}
