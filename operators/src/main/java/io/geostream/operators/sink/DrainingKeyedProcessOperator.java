package io.geostream.operators.sink;

import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;

/**
 * Runs a {@link KeyedProcessFunction} that is also {@link DeferredOutput}: the function may leave outputs whose
 * writes are still under way queued when it returns from an element (so the object store works on one input
 * while the task thread handles the next), and this operator emits all of them before each checkpoint barrier
 * and at the end of input. A checkpoint thus never covers state past an output that was not handed downstream:
 * exactly-once holds as with a plain {@link KeyedProcessOperator}, and the operator's state (keyed state only) is
 * the same, so savepoints move between the two. Keyed state the function keeps on the heap between barriers
 * ({@link WriteBehindValueState}) is written to the backend at the same two moments ({@link DeferredOutput#flushState}).
 *
 * <p>What is emitted while draining carries no timestamp.
 */
public final class DrainingKeyedProcessOperator<K, IN, OUT> extends KeyedProcessOperator<K, IN, OUT> {
    private static final long serialVersionUID = 1L;

    private transient TimestampedCollector<OUT> drainOutput;

    public <F extends KeyedProcessFunction<K, IN, OUT> & DeferredOutput<OUT>> DrainingKeyedProcessOperator(F function) {
        super(function);
    }

    @Override
    public void open() throws Exception {
        super.open();
        drainOutput = new TimestampedCollector<>(output);
        drainOutput.eraseTimestamp();
        deferred().deferOutput();
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
