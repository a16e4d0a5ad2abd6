package io.geostream.operators.sink;

import org.apache.flink.streaming.api.operators.KeyContext;
import org.apache.flink.util.Collector;

/**
 * A keyed function whose output may stay queued (writes under way) after it returns from an element; run by
 * {@link DrainingKeyedProcessOperator}, which drains it before each checkpoint barrier and at the end of input.
 */
public interface DeferredOutput<OUT> {
    /** Called once after open: from now on the function may leave outputs queued. */
    void deferOutput();

    /** Emits everything queued, waiting for the writes still under way. */
    void drain(Collector<OUT> out) throws Exception;

    /** Emits the queued outputs whose writes have ended (in order: up to the first still under way), without waiting. */
    void emitFinished(Collector<OUT> out) throws Exception;

    /** Whether any output is still queued. */
    boolean hasQueued();

    /**
     * Called once after open when the keyed state backend serialises values on update (RocksDB): from now on the
     * function may keep keyed state on the heap between barriers ({@link WriteBehindValueState}) and write it in
     * {@link #flushState}. Not called for a heap backend: there the backend holds the very objects, which a function
     * that changes its value in place would change under an asynchronous snapshot. Nothing by default.
     */
    default void keepStateBetweenBarriers() {}

    /**
     * Writes the keyed state the function keeps on the heap to the state backend ({@link WriteBehindValueState}),
     * setting each key through {@code keys}; called after {@link #drain}, before each checkpoint barrier and at the
     * end of input. Nothing by default.
     */
    default void flushState(KeyContext keys) throws Exception {}
}
