package io.geostream.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Retries the transient failures ({@link StorageErrors#isTransient}) of another store with exponential
 * back-off (100 ms doubling to at most 5 s) for up to {@code retryFor}; then the last failure is thrown.
 * Permanent failures and runtime exceptions pass at once. This outer loop rides out outages longer than an
 * S3 client's own few quick retries; the caller decides what a failure that outlasts it means (the job
 * fails and restarts from its checkpoint, so no valid frame is dead-lettered for an outage).
 */
public final class RetryingObjectStore implements ObjectStore {
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;

    private final ObjectStore inner;
    private final long retryForNanos;
    private final AtomicLong retries = new AtomicLong();

    public RetryingObjectStore(ObjectStore inner, Duration retryFor) {
        this.inner = Objects.requireNonNull(inner, "inner");
        if (retryFor == null || retryFor.isNegative()) throw new IllegalArgumentException("retryFor must be >= 0, got " + retryFor);
        this.retryForNanos = retryFor.toNanos();
    }

    /** Retries made so far (all calls). */
    public long retries() {
        return retries.get();
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> T retry(Call<T> call) throws IOException {
        long start = System.nanoTime();
        long backoff = FIRST_BACKOFF_MS;
        while (true) {
            try {
                return call.run();
            } catch (IOException e) {
                if (!StorageErrors.isTransient(e) || e instanceof InterruptedIOException
                        || System.nanoTime() - start + backoff * 1_000_000L > retryForNanos) {
                    throw e;
                }
            }
            retries.incrementAndGet();
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while retrying an object-store call");
            }
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType, java.util.Map<String, String> metadata) throws IOException {
        retry(() -> {
            inner.put(key, bytes, contentType, metadata);
            return null;
        });
    }

    @Override public java.util.Map<String, String> metadata(String key) throws IOException { return retry(() -> inner.metadata(key)); }

    @Override public byte[] get(String key) throws IOException { return retry(() -> inner.get(key)); }

    @Override public byte[] get(String key, long maxBytes) throws IOException { return retry(() -> inner.get(key, maxBytes)); }

    @Override public boolean exists(String key) throws IOException { return retry(() -> inner.exists(key)); }

    @Override public List<String> list(String prefix) throws IOException { return retry(() -> inner.list(prefix)); }

    @Override public String uriOf(String key) { return inner.uriOf(key); }

    @Override public Optional<String> keyOf(String uri) { return inner.keyOf(uri); }

    @Override public void close() throws IOException { inner.close(); }
}
