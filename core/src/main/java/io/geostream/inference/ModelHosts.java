package io.geostream.inference;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One model host (a warmed-up {@link ClipBatcher} with its workers and their models) per key per JVM,
 * shared by reference count: every slot of a TaskManager that runs the same model on the same device
 * feeds the same batches. The last {@link #release} closes the host. Models themselves are loaded once
 * per package and device by {@code SharedTorchModels}; each worker thread keeps its own predictor.
 *
 * <p>Synchronized on the class; a host is created and warmed up under the lock (once per JVM and key),
 * so a second subtask waits for the first one's load instead of loading again.
 */
public final class ModelHosts {

    private static final class Entry {
        final ClipBatcher batcher;
        int references;

        Entry(ClipBatcher batcher) {
            this.batcher = batcher;
        }
    }

    private static final Map<String, Entry> HOSTS = new HashMap<>();
    private static int created;

    private ModelHosts() {}

    /**
     * The shared host for {@code key}, created from the factory and warmed up when nobody holds it yet;
     * adds one reference. Pair with one {@link #release}.
     *
     * @param key identifies model + device + batching (e.g. the model spec's string and the settings)
     * @throws Exception what the warm-up threw (nothing is registered then)
     */
    public static synchronized ClipBatcher acquire(String key, ModelFactory factory, ClipBatcher.Settings settings) throws Exception {
        Objects.requireNonNull(key, "key");
        Entry e = HOSTS.get(key);
        if (e == null) {
            ClipBatcher batcher = new ClipBatcher(factory, settings);
            try {
                batcher.warmUp();
            } catch (Exception failed) {
                batcher.close();
                throw failed;
            }
            created++;
            e = new Entry(batcher);
            HOSTS.put(key, e);
        }
        e.references++;
        return e.batcher;
    }

    /** Drops one reference; the last one closes the host. A batcher not held here is ignored. */
    public static synchronized void release(ClipBatcher batcher) {
        for (Map.Entry<String, Entry> m : HOSTS.entrySet()) {
            Entry e = m.getValue();
            if (e.batcher == batcher) {
                if (--e.references == 0) {
                    HOSTS.remove(m.getKey());
                    batcher.close();
                }
                return;
            }
        }
    }

    /**
     * Closes every host whatever its references: the class-loader release hook, run when Flink drops the
     * job's user code, so no worker thread or native model outlives it.
     */
    public static synchronized void closeAll() {
        for (Entry e : HOSTS.values()) e.batcher.close();
        HOSTS.clear();
    }

    /** Hosts created in this JVM so far (a shared hit does not count); for tests and metrics. */
    public static synchronized int createdCount() {
        return created;
    }

    /** References held on the host for {@code key}; 0 when there is none. */
    public static synchronized int references(String key) {
        Entry e = HOSTS.get(key);
        return e == null ? 0 : e.references;
    }
}
