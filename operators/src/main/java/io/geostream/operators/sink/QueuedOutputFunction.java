package io.geostream.operators.sink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A keyed function whose outputs go through an {@link OrderedOutputQueue}: subclasses queue outputs (some waiting for
 * writes) and call {@link #emitDue}. Under a plain {@code KeyedProcessOperator} every output is out before the element
 * returns; run by a {@link DrainingKeyedProcessOperator}, up to {@code maxInFlight} stay in flight across elements and
 * the operator drains them before each checkpoint barrier and at the end of input.
 */
public abstract class QueuedOutputFunction<K, IN, OUT> extends KeyedProcessFunction<K, IN, OUT> implements DeferredOutput<OUT> {
    private static final long serialVersionUID = 1L;

    private final int maxInFlight;
    /** Outputs not yet emitted, in order; never part of a checkpoint (drained before each barrier). */
    private transient OrderedOutputQueue<OUT> queued;
    private transient boolean deferred;

    protected QueuedOutputFunction(int maxInFlight) {
        if (maxInFlight < 0) throw new IllegalArgumentException("maxInFlight must be >= 0, got " + maxInFlight);
        this.maxInFlight = maxInFlight;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        queued = new OrderedOutputQueue<>();
        deferred = false;
    }

    /** The queue outputs go into, in the order they must go out. */
    protected OrderedOutputQueue<OUT> queue() {
        return queued;
    }

    /** Emits what is due: all of it when not deferred, else what is stored plus enough to leave maxInFlight in flight. */
    protected void emitDue(Collector<OUT> out) throws Exception {
        queued.emit(out::collect, deferred ? maxInFlight : 0);
    }

    @Override
    public void deferOutput() {
        deferred = true;
    }

    @Override
    public void drain(Collector<OUT> out) throws Exception {
        queued.drain(out::collect);
    }

    @Override
    public void emitFinished(Collector<OUT> out) throws Exception {
        queued.emit(out::collect, Integer.MAX_VALUE);
    }

    @Override
    public boolean hasQueued() {
        return !queued.isEmpty();
    }
}
