package io.geostream.chaos;

import io.geostream.records.OutputRecord;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

/**
 * Identity in front of the sink, chained with it. At the snapshot of a checkpoint the plan marks as due it
 * schedules a throw on the task's own timer: that fires after the whole chain's snapshot (so the sink's
 * transaction of that checkpoint is pre-committed) and, unless the checkpoint's completion was already handled,
 * before the committer commits it. If the completion came first the point re-arms at the next checkpoint.
 * Also records the task's attempt number (= restarts), and holds the snapshot of a checkpoint in flight when the
 * scenario asks ({@link FailurePoints#holdNextCheckpoint()}: a task manager is lost meanwhile).
 */
public final class FailAfterPreCommit extends AbstractStreamOperator<OutputRecord>
        implements OneInputStreamOperator<OutputRecord, OutputRecord> {
    private static final long serialVersionUID = 1L;
    private transient long lastCompleted;

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        lastCompleted = -1;
        FailurePoints.attemptStarted(getRuntimeContext().getTaskInfo().getAttemptNumber());
    }

    @Override
    public void processElement(StreamRecord<OutputRecord> element) {
        output.collect(element);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        long id = context.getCheckpointId();
        if (FailurePoints.holdCheckpoint(id)) {
            System.err.printf("chaos: holding checkpoint %d in flight in front of the sink%n", id);
            try {
                FailurePoints.awaitRelease();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw e;
            }
        }
        if (FailurePoints.preCommitFailureDue(id)) {
            ProcessingTimeService time = getProcessingTimeService();
            time.registerTimer(time.getCurrentProcessingTime(), ts -> {
                if (lastCompleted < id && FailurePoints.takePreCommitFailure(id)) {
                    System.err.printf("chaos: failing after pre-commit of checkpoint %d (completed up to %d)%n", id, lastCompleted);
                    throw new IllegalStateException("injected failure after pre-commit of checkpoint " + id + ", before its commit");
                }
            });
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        lastCompleted = Math.max(lastCompleted, checkpointId);
        FailurePoints.checkpointCompleted(checkpointId);
    }
}
