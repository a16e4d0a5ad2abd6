package io.geostream.testing;

import io.geostream.storage.StorageSettings;
import io.geostream.storage.ForwardingObjectStore;
import io.geostream.storage.ObjectStore;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A store whose puts wait until a named gate opens (a slow object store under the test's control), then behave
 * like the store it wraps. Reusable as a {@link StorageSettings.StoreDecorator}; gates live in a static registry by
 * name, since decorators are serialised into jobs.
 */
public final class GatedObjectStore extends ForwardingObjectStore {
    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

    private final String gate;

    private GatedObjectStore(ObjectStore inner, String gate) {
        super(inner);
        this.gate = gate;
    }

    /** A decorator whose stores' puts wait for the gate {@code name}, closed from now on. */
    public static StorageSettings.StoreDecorator closedGate(String name) {
        GATES.put(name, new CountDownLatch(1));
        return store -> new GatedObjectStore(store, name);
    }

    /** Lets every waiting and later put through. */
    public static void open(String name) {
        GATES.get(name).countDown();
    }

    @Override public void put(String key, byte[] bytes, String contentType, java.util.Map<String, String> metadata) throws IOException {
        try {
            if (!GATES.get(gate).await(60, TimeUnit.SECONDS)) throw new IOException("gate " + gate + " never opened");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted at gate " + gate);
        }
        inner.put(key, bytes, contentType, metadata);
    }
}
