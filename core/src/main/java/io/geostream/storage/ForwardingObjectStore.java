package io.geostream.storage;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A store that hands every call to another; decorators override only what they change. Every put goes through the
 * put with metadata, the only one a decorator can override (the other is final), so no put bypasses it.
 */
public abstract class ForwardingObjectStore implements ObjectStore {
    protected final ObjectStore inner;

    protected ForwardingObjectStore(ObjectStore inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    @Override public final void put(String key, byte[] bytes, String contentType) throws IOException {
        put(key, bytes, contentType, Map.of());
    }
    @Override public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) throws IOException {
        inner.put(key, bytes, contentType, metadata);
    }
    @Override public Map<String, String> metadata(String key) throws IOException { return inner.metadata(key); }
    @Override public byte[] get(String key) throws IOException { return inner.get(key); }
    @Override public byte[] get(String key, long maxBytes) throws IOException { return inner.get(key, maxBytes); }
    @Override public boolean exists(String key) throws IOException { return inner.exists(key); }
    @Override public List<String> list(String prefix) throws IOException { return inner.list(prefix); }
    @Override public String uriOf(String key) { return inner.uriOf(key); }
    @Override public Optional<String> keyOf(String uri) { return inner.keyOf(uri); }
    @Override public void close() throws IOException { inner.close(); }
}
