package io.geostream.operators.sink;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.operators.KeyContext;

import java.util.LinkedHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * A cache in front of keyed state (a {@link ValueState}, or a {@link Backend} that lays a value out over several
 * states): the values of recently used keys are kept on the heap and written to
 * the state backend only before a checkpoint barrier ({@link #flush}), not at every update: a value that is replaced
 * several times between two checkpoints (the stitch operator's held clip, several MB per camera, replaced at every clip) costs one
 * serialisation and one RocksDB put per checkpoint instead of one get and one put per element. What a checkpoint holds
 * is the same as with write-through: {@link DrainingKeyedProcessOperator} flushes before each barrier and at the end of
 * input, and a restored task starts with nothing cached (reads fall through to the backend). Flink's mini-batch
 * operators keep their bundles the same way.
 *
 * <p>The heap held is bounded: a value is kept only while the cached values' estimated sizes stay within
 * {@code maxBytes}, after dropping, least recently used first, cached values the backend already holds (flushed or
 * read); when even that cannot make room the value is written through and not cached.
 *
 * <p>Only for a backend that serialises on update (RocksDB): a heap backend would hold the cached objects themselves
 * after a flush, and a caller that changes a value in place would change it under an asynchronous snapshot. Until
 * {@link #writeBehind} is called (a function run by a plain {@code KeyedProcessOperator}, which would not flush, or on a
 * heap backend) every update is written through.
 *
 * <p>Not thread-safe: used from the task thread only, always with the backend's current key equal to the key given
 * (the size figures may be read from the metrics thread: a stale reading at worst).
 */
public final class WriteBehindValueState<K, V> {
    /**
     * Where the values live: one keyed value per key, read, written and removed under the backend's current key. A
     * plain {@link ValueState} ({@link #of}), or a layout of several states (the stitch operator keeps each held frame
     * as an entry of its own).
     */
    public interface Backend<V> {
        /** The current key's value, or null. */
        V value() throws Exception;

        /** Sets the current key's value (not null). */
        void update(V value) throws Exception;

        /** Removes the current key's value. */
        void clear();

        /** A plain keyed value state. */
        static <V> Backend<V> of(ValueState<V> state) {
            java.util.Objects.requireNonNull(state, "state");
            return new Backend<>() {
                @Override
                public V value() throws Exception {
                    return state.value();
                }

                @Override
                public void update(V value) throws Exception {
                    state.update(value);
                }

                @Override
                public void clear() {
                    state.clear();
                }
            };
        }
    }

    private final Backend<V> backend;
    private final ToLongFunction<V> sizeOf;
    private final long maxBytes;
    /** In access order: the least recently used first. */
    private final Map<K, Entry<V>> cached = new LinkedHashMap<>(16, 0.75f, true);
    private long cleanBytes;
    private boolean writeBehind;
    private long cachedBytes;
    private long writesThrough;
    private long writesBehind;
    private long lastFlushMillis;
    private int lastFlushValues;

    private static final class Entry<V> {
        V value;
        long bytes;
        boolean dirty;
    }

    /**
     * @param backend  the keyed state the values live in
     * @param sizeOf   estimated heap bytes of a value (what the bound counts)
     * @param maxBytes most estimated bytes cached at once; 0 caches nothing
     */
    public WriteBehindValueState(ValueState<V> backend, ToLongFunction<V> sizeOf, long maxBytes) {
        this(Backend.of(java.util.Objects.requireNonNull(backend, "backend")), sizeOf, maxBytes);
    }

    /**
     * @param backend  where the values live
     * @param sizeOf   estimated heap bytes of a value (what the bound counts)
     * @param maxBytes most estimated bytes cached at once; 0 caches nothing
     */
    public WriteBehindValueState(Backend<V> backend, ToLongFunction<V> sizeOf, long maxBytes) {
        if (maxBytes < 0) throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
        this.sizeOf = java.util.Objects.requireNonNull(sizeOf, "sizeOf");
        this.maxBytes = maxBytes;
    }

    /** From now on updates may stay on the heap until {@link #flush}; call it only when someone flushes before barriers. */
    public void writeBehind() {
        writeBehind = true;
    }

    /** The value of {@code key} (the backend's current key), or null. */
    public V value(K key) throws Exception {
        Entry<V> e = cached.get(key);
        if (e != null) return e.value;
        V v = backend.value();
        if (v != null && writeBehind) keep(key, v, false);
        return v;
    }

    /** Sets the value of {@code key} (the backend's current key); the backend sees it at the next flush at the latest. */
    public void update(K key, V value) throws Exception {
        if (value == null) {
            clear(key);
            return;
        }
        if (writeBehind && keep(key, value, true)) return;
        writesThrough++;
        backend.update(value);
    }

    /** Removes the value of {@code key} (the backend's current key), from the cache and the backend. */
    public void clear(K key) {
        drop(key);
        backend.clear();
    }

    /**
     * Writes every value changed since the last flush to the backend, setting each one's key as the current key; the
     * values stay cached. Called before each checkpoint barrier and at the end of input.
     */
    public void flush(KeyContext keys) throws Exception {
        long startedNanos = System.nanoTime();
        int written = 0;
        Object previousKey = null;
        boolean switched = false;
        for (Map.Entry<K, Entry<V>> me : cached.entrySet()) {
            Entry<V> e = me.getValue();
            if (!e.dirty) continue;
            if (!switched) {
                previousKey = keys.getCurrentKey();
                switched = true;
            }
            keys.setCurrentKey(me.getKey());
            backend.update(e.value);
            e.dirty = false;
            cleanBytes += e.bytes;
            writesBehind++;
            written++;
        }
        lastFlushValues = written;
        lastFlushMillis = (System.nanoTime() - startedNanos) / 1_000_000L;
        if (switched && previousKey != null) keys.setCurrentKey(previousKey);
    }

    /** Caches the value if it fits (replacing the key's older one); false if it does not (nothing cached for the key). */
    private boolean keep(K key, V value, boolean dirty) {
        long bytes = sizeOf.applyAsLong(value);
        drop(key);
        if (cachedBytes + bytes > maxBytes) {
            if (cachedBytes - cleanBytes + bytes > maxBytes) return false; // dropping every clean value would not do
            // Values the backend already holds make room, least recently used first.
            for (Iterator<Entry<V>> it = cached.values().iterator(); it.hasNext() && cachedBytes + bytes > maxBytes; ) {
                Entry<V> e = it.next();
                if (e.dirty) continue;
                it.remove();
                account(e, -1);
            }
        }
        Entry<V> e = new Entry<>();
        e.value = value;
        e.bytes = bytes;
        e.dirty = dirty;
        cached.put(key, e);
        account(e, 1);
        return true;
    }

    private void drop(K key) {
        Entry<V> e = cached.remove(key);
        if (e != null) account(e, -1);
    }

    /** Adds ({@code sign} 1) or removes (-1) an entry's bytes from the totals. */
    private void account(Entry<V> e, int sign) {
        cachedBytes += sign * e.bytes;
        if (!e.dirty) cleanBytes += sign * e.bytes;
    }

    /** Estimated bytes of the cached values. */
    public long cachedBytes() {
        return cachedBytes;
    }

    /** Keys with a cached value. */
    public int cachedKeys() {
        return cached.size();
    }

    /** Updates written to the backend at once (write-behind off, or the value did not fit). */
    public long writesThrough() {
        return writesThrough;
    }

    /** How long the last {@link #flush} took (task-thread time before the barrier), in milliseconds. */
    public long lastFlushMillis() {
        return lastFlushMillis;
    }

    /** Values the last {@link #flush} wrote. */
    public int lastFlushValues() {
        return lastFlushValues;
    }

    /** Values written to the backend by {@link #flush}. */
    public long writesBehind() {
        return writesBehind;
    }
}
