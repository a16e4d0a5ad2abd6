package io.geostream.chaos;

import io.geostream.output.StorageSpec;
import io.geostream.storage.ObjectStore;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** A store that fails right after the planned payload puts succeeded: the payload is written, its event is not. */
public final class FailingPutStore implements StorageSpec.StoreDecorator {
    private static final long serialVersionUID = 1L;

    @Override
    public ObjectStore wrap(ObjectStore store) {
        return new ObjectStore() {
            @Override public void put(String key, byte[] bytes, String contentType) throws IOException {
                store.put(key, bytes, contentType);
                if (FailurePoints.failAfterPut()) {
                    throw new IllegalStateException("injected failure after writing " + key + ", before its event is emitted");
                }
            }
            @Override public byte[] get(String key) throws IOException { return store.get(key); }
            @Override public boolean exists(String key) throws IOException { return store.exists(key); }
            @Override public List<String> list(String prefix) throws IOException { return store.list(prefix); }
            @Override public String uriOf(String key) { return store.uriOf(key); }
            @Override public Optional<String> keyOf(String uri) { return store.keyOf(uri); }
            @Override public void close() throws IOException { store.close(); }
        };
    }
}
