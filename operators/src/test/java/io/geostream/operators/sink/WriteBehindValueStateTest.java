package io.geostream.operators.sink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyContext;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Keyed values on the heap between barriers (RocksDB): what reaches the backend when, the bound, and snapshots. */
class WriteBehindValueStateTest {

    /** Counts elements per key (their first letter; "x-" clears key x), emitting the count; each count estimated at 8 bytes. */
    static final class CountPerKey extends KeyedProcessFunction<String, String, String> implements DeferredOutput<String> {
        private final long maxBytes;
        transient WriteBehindValueState<String, Long> counts;

        CountPerKey(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        @Override
        public void open(OpenContext openContext) {
            counts = new WriteBehindValueState<>(getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG)),
                    v -> 8, maxBytes);
        }

        @Override
        public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
            String key = ctx.getCurrentKey();
            if (value.endsWith("-")) {
                counts.clear(key);
                return;
            }
            Long n = counts.value(key);
            long next = (n == null ? 0 : n) + 1;
            counts.update(key, next);
            out.collect(key + "=" + next);
        }

        @Override public void deferOutput() {}
        @Override public void keepStateBetweenBarriers() { counts.writeBehind(); }
        @Override public void drain(Collector<String> out) {}
        @Override public void emitFinished(Collector<String> out) {}
        @Override public boolean hasQueued() { return false; }
        @Override public void flushState(KeyContext keys) throws Exception { counts.flush(keys); }
    }

    /** The draining operator on RocksDB, the backend the cache is for. */
    private static KeyedOneInputStreamOperatorTestHarness<String, String, String> harness(CountPerKey f) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new DrainingKeyedProcessOperator<>(f), (String v) -> v.substring(0, 1), Types.STRING);
        h.setStateBackend(new org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend(false));
        return h;
    }

    /** Keys with a count in the backend (the harness counts entries of heap backends only). */
    private static long entries(KeyedOneInputStreamOperatorTestHarness<String, String, String> h) throws Exception {
        var backend = ((org.apache.flink.streaming.api.operators.AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        try (var keys = backend.getKeys("count", org.apache.flink.runtime.state.VoidNamespace.INSTANCE)) {
            return keys.count();
        }
    }

    private static void feed(KeyedOneInputStreamOperatorTestHarness<String, String, String> h, String... values) throws Exception {
        for (String v : values) h.processElement(new StreamRecord<>(v));
    }

    @Test
    void valuesReachTheBackendOnlyAtTheFlushBeforeTheBarrier() throws Exception {
        CountPerKey f = new CountPerKey(1024);
        try (var h = harness(f)) {
            h.open();
            feed(h, "a", "b", "a", "a", "b");
            assertThat(entries(h)).isZero();
            assertThat(f.counts.cachedKeys()).isEqualTo(2);
            h.prepareSnapshotPreBarrier(1);
            assertThat(entries(h)).isEqualTo(2);
            assertThat(f.counts.writesBehind()).isEqualTo(2);
            assertThat(f.counts.lastFlushValues()).isEqualTo(2);
            assertThat(f.counts.writesThrough()).isZero();
            h.prepareSnapshotPreBarrier(2); // nothing changed since: nothing written again
            assertThat(f.counts.writesBehind()).isEqualTo(2);
            assertThat(f.counts.lastFlushValues()).isZero();
        }
    }

    @Test
    void pastTheBoundValuesAreWrittenThroughAndFlushedOnesMakeRoom() throws Exception {
        CountPerKey f = new CountPerKey(16); // two counts
        try (var h = harness(f)) {
            h.open();
            feed(h, "a", "b", "c", "c");
            assertThat(f.counts.cachedKeys()).isEqualTo(2);
            assertThat(f.counts.cachedBytes()).isEqualTo(16);
            assertThat(f.counts.writesThrough()).isEqualTo(2); // both of c's updates
            assertThat(entries(h)).isEqualTo(1);
            h.prepareSnapshotPreBarrier(1);
            feed(h, "c"); // a and b are in the backend now: dropping them from the heap makes room for c
            assertThat(f.counts.writesThrough()).isEqualTo(2);
            assertThat(h.extractOutputValues()).containsExactly("a=1", "b=1", "c=1", "c=2", "c=3");
            feed(h, "a", "b"); // read back from the backend
            assertThat(h.extractOutputValues()).endsWith("a=2", "b=2");
        }
    }

    @Test
    void aSnapshotAfterTheFlushHoldsEveryCountAndARestoreReadsThem() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(new CountPerKey(16))) {
            h.open();
            feed(h, "a", "b", "c", "a", "c", "x", "x", "x-"); // x cleared; c and x written through
            h.prepareSnapshotPreBarrier(1); // what the task does before the barrier
            snapshot = h.snapshot(1, 1);
            feed(h, "a", "a"); // after the checkpoint: not in it
        }
        try (var h = harness(new CountPerKey(16))) {
            h.initializeState(snapshot);
            h.open();
            feed(h, "a", "b", "c", "x");
            assertThat(h.extractOutputValues()).containsExactly("a=3", "b=2", "c=3", "x=1");
        }
    }

    @Test
    void withoutTheFlushASnapshotMissesTheCachedValues() throws Exception {
        // Why the operator flushes before each barrier: the backend alone does not hold the heap's values.
        OperatorSubtaskState snapshot;
        try (var h = harness(new CountPerKey(1024))) {
            h.open();
            feed(h, "a", "a");
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(new CountPerKey(1024))) {
            h.initializeState(snapshot);
            h.open();
            feed(h, "a");
            assertThat(h.extractOutputValues()).isEqualTo(List.of("a=1"));
        }
    }

    @Test
    void underAPlainOperatorEveryUpdateIsWrittenThrough() throws Exception {
        CountPerKey f = new CountPerKey(1024);
        assertWrittenThrough(f, new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(f));
    }

    /** Feeds a, b, a on the harness's default heap backend: every update reaches the backend at once, nothing is cached. */
    private static void assertWrittenThrough(CountPerKey f,
                                             org.apache.flink.streaming.api.operators.OneInputStreamOperator<String, String> operator)
            throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(operator, (String v) -> v.substring(0, 1), Types.STRING)) {
            h.open();
            feed(h, "a", "b", "a");
            assertThat(entries(h)).isEqualTo(2);
            assertThat(f.counts.writesThrough()).isEqualTo(3);
            assertThat(f.counts.cachedKeys()).isZero();
        }
    }

    @Test
    void aNegativeBoundIsRefused() {
        assertThatThrownBy(() -> new WriteBehindValueState<String, Long>((WriteBehindValueState.Backend<Long>) null, v -> 8, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBytes");
    }

    @Test
    void onAHeapBackendTheDrainingOperatorLeavesItWriteThrough() throws Exception {
        // A heap backend keeps the objects themselves: caching them would let in-place changes reach a running snapshot.
        CountPerKey f = new CountPerKey(1024);
        assertWrittenThrough(f, new DrainingKeyedProcessOperator<>(f));
    }

    @Test
    void theFlushAtTheEndOfInputReachesTheFinalSnapshot() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(new CountPerKey(1024))) {
            h.open();
            feed(h, "a", "a", "b");
            h.getOperator().finish(); // what the task does at the end of a bounded input, before its final checkpoint
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(new CountPerKey(1024))) {
            h.initializeState(snapshot);
            h.open();
            feed(h, "a", "b");
            assertThat(h.extractOutputValues()).containsExactly("a=3", "b=2");
        }
    }
}
