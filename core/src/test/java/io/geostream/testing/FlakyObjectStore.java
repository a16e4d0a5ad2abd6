package io.geostream.testing;

import io.geostream.storage.StorageSettings;
import io.geostream.storage.ForwardingObjectStore;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.TransientStorageException;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store whose first {@code failures} gets and puts fail as an S3 server answering 503 Slow Down would
 * (after the client's own retries), then behaves like the store it wraps. Reusable as a
 * {@link StorageSettings.StoreDecorator} through {@link #decorator}; the failure budget is shared by every store
 * the decorator opens (kept in a static registry by name, since decorators are serialised into jobs).
 */
public final class FlakyObjectStore extends ForwardingObjectStore {
    private static final java.util.Map<String, AtomicInteger> BUDGETS = new java.util.concurrent.ConcurrentHashMap<>();

    private final AtomicInteger failuresLeft;
    private final AtomicInteger failed = new AtomicInteger();
    private final boolean denyPuts;

    public FlakyObjectStore(ObjectStore inner, int failures) {
        this(inner, new AtomicInteger(failures), false);
    }

    private FlakyObjectStore(ObjectStore inner, AtomicInteger failuresLeft, boolean denyPuts) {
        super(inner);
        this.failuresLeft = failuresLeft;
        this.denyPuts = denyPuts;
    }

    /** A decorator whose stores refuse every put as S3 answers 403 AccessDenied (a permanent failure). */
    public static StorageSettings.StoreDecorator denyingPuts() {
        return store -> new FlakyObjectStore(store, new AtomicInteger(), true);
    }

    /** A decorator whose stores share one budget of {@code failures}, registered under {@code name}. */
    public static StorageSettings.StoreDecorator decorator(String name, int failures) {
        BUDGETS.put(name, new AtomicInteger(failures));
        return store -> new FlakyObjectStore(store, BUDGETS.get(name), false);
    }

    /** Failures left in the named budget. */
    public static int failuresLeft(String name) {
        return BUDGETS.get(name).get();
    }

    /** Calls this store failed so far. */
    public int failed() {
        return failed.get();
    }

    private void maybeFail(String what) throws IOException {
        if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            failed.incrementAndGet();
            throw new TransientStorageException("injected: " + what + " answered 503 Slow Down", null);
        }
    }

    @Override public void put(String key, byte[] bytes, String contentType, java.util.Map<String, String> metadata) throws IOException {
        if (denyPuts) {
            failed.incrementAndGet();
            throw new java.nio.file.AccessDeniedException(key, null, "injected: 403 AccessDenied");
        }
        maybeFail("put " + key);
        inner.put(key, bytes, contentType, metadata);
    }

    @Override public byte[] get(String key) throws IOException {
        maybeFail("get " + key);
        return inner.get(key);
    }

    @Override public byte[] get(String key, long maxBytes) throws IOException {
        maybeFail("get " + key);
        return inner.get(key, maxBytes);
    }
}
