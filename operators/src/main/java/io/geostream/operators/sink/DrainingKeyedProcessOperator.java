package io.geostream.operators.sink;

import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

/**
 * Runs a {@link KeyedProcessFunction} that is also {@link DeferredOutput}: the function may leave outputs whose
 * writes are still under way queued when it returns from an element (so the object store works on one input
 * while the task thread handles the next), and this operator emits all of them before each checkpoint barrier
 * and at the end of input. A checkpoint thus never covers state past an output that was not handed downstream:
 * exactly-once holds as with a plain {@link KeyedProcessOperator}, and the operator's state (keyed state only) is
 * the same, so savepoints move between the two. Keyed state the function keeps on the heap between barriers
 * ({@link WriteBehindValueState}, only with a backend that serialises on update, i.e. RocksDB) is written to the backend
 * at the same two moments ({@link DeferredOutput#flushState}); the flush is work on the task thread before the barrier.
 *
 * <p>Outputs whose writes end while no input arrives go out within {@link #POLL_MILLIS}: while anything is queued, a
 * processing-time callback on the task's thread emits what has finished. Without it a subtask whose input pauses (cameras
 * whose clips all arrive together, then nothing for a clip period) held its last outputs until the next input or the
 * next checkpoint barrier: up to a checkpoint interval of latency.
 *
 * <p>What is emitted while draining or polling carries no timestamp.
 */
public final class DrainingKeyedProcessOperator<K, IN, OUT> extends KeyedProcessOperator<K, IN, OUT> {
    private static final long serialVersionUID = 1L;

    /** How often finished outputs are looked for while some are queued and no input arrives. */
    public static final long POLL_MILLIS = 5;

    private transient TimestampedCollector<OUT> drainOutput;
    private transient boolean pollScheduled;

    public <F extends KeyedProcessFunction<K, IN, OUT> & DeferredOutput<OUT>> DrainingKeyedProcessOperator(F function) {
        super(function);
    }

    @Override
    public void open() throws Exception {
        super.open();
        drainOutput = new TimestampedCollector<>(output);
        drainOutput.eraseTimestamp();
        deferred().deferOutput();
        if (!(getKeyedStateBackend() instanceof org.apache.flink.runtime.state.heap.HeapKeyedStateBackend)) {
            deferred().keepStateBetweenBarriers();
        }
        pollScheduled = false;
    }

    @Override
    public void onEventTime(org.apache.flink.streaming.api.operators.InternalTimer<K, VoidNamespace> timer) throws Exception {
        super.onEventTime(timer);
        schedulePoll();
    }

    @Override
    public void onProcessingTime(org.apache.flink.streaming.api.operators.InternalTimer<K, VoidNamespace> timer) throws Exception {
        super.onProcessingTime(timer);
        schedulePoll();
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        super.processElement(element);
        schedulePoll();
    }

    /** Emits finished outputs a moment from now (on the task thread), and again while any stay queued. */
    private void schedulePoll() {
        if (pollScheduled || !deferred().hasQueued()) return;
        pollScheduled = true;
        ProcessingTimeService time = getProcessingTimeService();
        time.registerTimer(time.getCurrentProcessingTime() + POLL_MILLIS, now -> {
            pollScheduled = false;
            deferred().emitFinished(drainOutput);
            schedulePoll();
        });
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        deferred().drain(drainOutput);
        deferred().flushState(this);
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        deferred().drain(drainOutput);
        deferred().flushState(this);
        super.finish();
    }

    @SuppressWarnings("unchecked")
    private DeferredOutput<OUT> deferred() {
        return (DeferredOutput<OUT>) userFunction;
    }
}
