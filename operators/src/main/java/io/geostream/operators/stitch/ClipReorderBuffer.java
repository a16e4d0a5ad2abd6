package io.geostream.operators.stitch;

import io.geostream.records.ClipResult;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * Restores a stream's clip order in keyed state: async inference completes clips out of order, the stitcher needs
 * them by {@code task.seq}. A result that arrives early waits in map state until its predecessors came; a task that
 * {@linkplain io.geostream.records.ClipTask#releasesStream releases the stream} resets the expected sequence to 0 (the
 * stream's next run may already be waiting). The state names are the stitch operator's since 0.1.0.
 */
final class ClipReorderBuffer {
    private final ValueState<Long> nextSeq;
    private final MapState<Long, ClipResult> waiting;

    ClipReorderBuffer(RuntimeContext context) {
        nextSeq = context.getState(new ValueStateDescriptor<>("next-seq", Long.class));
        waiting = context.getMapState(new MapStateDescriptor<>("out-of-order-results", Long.class, ClipResult.class));
    }

    /**
     * The results due after one arrived, in stream order, and whether the key then holds nothing (no run in progress,
     * nothing waiting: its other state can go too).
     */
    record Due(List<ClipResult> results, boolean keyEmpty) {}

    /**
     * Takes a result of the current key and returns the results now due: none when it has to wait for a predecessor,
     * else it and every waiting successor up to the next gap.
     */
    Due accept(ClipResult result) throws Exception {
        long expected = expected();
        if (result.task.seq != expected) {
            waiting.put(result.task.seq, result);
            return new Due(List.of(), false);
        }
        List<ClipResult> due = new ArrayList<>();
        ClipResult r = result;
        while (r != null) {
            due.add(r);
            expected = r.task.releasesStream ? 0 : expected + 1;
            r = waiting.get(expected);
            if (r != null) waiting.remove(expected);
        }
        boolean keyEmpty = expected == 0 && waiting.isEmpty();
        if (keyEmpty) {
            nextSeq.clear();
        } else {
            nextSeq.update(expected);
        }
        return new Due(due, keyEmpty);
    }

    private long expected() throws Exception {
        Long next = nextSeq.value();
        return next == null ? 0L : next;
    }
}
