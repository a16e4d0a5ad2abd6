package io.geostream.chaos;

import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Identity that fails the snapshot of one checkpoint, in the first attempt of the job only: a checkpoint that fails
 * after start-up for a reason that is the job's own (the soak's test; a restored attempt checkpoints normally).
 */
public final class FailCheckpoint<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T> {
    private static final long serialVersionUID = 1L;
    private final long checkpointId;

    /** @param checkpointId the checkpoint whose snapshot fails (ids count from 1) */
    public FailCheckpoint(long checkpointId) {
        if (checkpointId < 1) throw new IllegalArgumentException("checkpoint ids count from 1, got " + checkpointId);
        this.checkpointId = checkpointId;
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        output.collect(element);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        if (context.getCheckpointId() == checkpointId && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0) {
            System.err.printf("chaos: failing the snapshot of checkpoint %d%n", checkpointId);
            throw new IllegalStateException("injected failure of checkpoint " + checkpointId);
        }
    }
}
